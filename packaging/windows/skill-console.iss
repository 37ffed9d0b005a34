; Inno Setup recipe. Build dist\skill-console with PyInstaller first, then:
;   iscc /DAppVersion=0.1.0 packaging\windows\skill-console.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
[Setup]
AppId={{6B1F0C52-6B8E-4C8B-9E0D-5C1A2E7F6A10}
AppName=Skill Enablement Console
AppVersion={#AppVersion}
DefaultDirName={autopf}\Skill Enablement Console
DefaultGroupName=Skill Enablement Console
OutputDir=..\..\dist
OutputBaseFilename=skill-console-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
PrivilegesRequiredOverridesAllowed=dialog
ChangesEnvironment=yes

[Files]
Source: "..\..\dist\skill-console\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Skill Enablement Console"; Filename: "{app}\skill-console.exe"
Name: "{group}\Skill Enablement Console (sandbox)"; Filename: "{app}\skill-console.exe"; Parameters: "--sandbox"

[Run]
; Installer smoke test: one round trip against the embedded sandbox, no window left open.
Filename: "{app}\skill-console.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."

; Inno Setup 6.1+ recipe; packaging\windows\build.ps1 builds dist\skill-console and runs:
;   iscc /DAppVersion=<pyproject version> /DFileVersion=<a.b.c.d> packaging\windows\skill-console.iss
; Per-user install, deliberately: no administrator rights, no UAC prompt; the app lands in
; %LOCALAPPDATA%\Programs\Skill Enablement Console and its folder goes on the user's PATH (for
; skillctl). Settings and keychain logins are the user's anyway. An upgrade replaces _internal\
; whole (no stale files); uninstall removes the folder and the PATH entry, not settings or logins.
#ifndef AppVersion
  #error Pass /DAppVersion=<version from pyproject.toml> (packaging\windows\build.ps1 does)
#endif
#ifndef FileVersion
  #define FileVersion "0.0.0.0"
#endif
#define AppName "Skill Enablement Console"

[Setup]
AppId={{6B1F0C52-6B8E-4C8B-9E0D-5C1A2E7F6A10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Skill Enablement Console maintainers
VersionInfoVersion={#FileVersion}
VersionInfoProductTextVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=skill-console-{#AppVersion}-windows-x64-setup
LicenseFile=..\..\LICENSE
UninstallDisplayIcon={app}\skill-console.exe
#if FileExists(AddBackslash(SourcePath) + "..\..\build\icons\skill-console.ico")
SetupIconFile=..\..\build\icons\skill-console.ico
#endif
ChangesEnvironment=yes
CloseApplications=yes
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Signing: build.ps1 passes /S"signtool=..." and /DSign only when a certificate is configured.
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[InstallDelete]
; An upgrade starts from an empty library folder: nothing of the old version stays behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\skill-console\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\skill-console.exe"
Name: "{autoprograms}\{#AppName} (sandbox)"; Filename: "{app}\skill-console.exe"; Parameters: "--sandbox"

[Registry]
; skillctl on PATH: the install folder, appended to the user's own Path once.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: NotOnPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\skill-console.exe"; Description: "Start {#AppName} with the sandbox"; Parameters: "--sandbox"; Flags: nowait postinstall skipifsilent unchecked

[Code]
var
  SelfTestCode: Integer;

function UserPath(): String;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Result) then
    Result := '';
end;

function NotOnPath(Dir: String): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(UserPath()) + ';') = 0;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    { The installation's own check: one round trip against the embedded sandbox, offscreen. }
    WizardForm.StatusLabel.Caption := 'Checking the installation...';
    if not Exec(ExpandConstant('{app}\skill-console.exe'), '--self-test', '', SW_HIDE,
                ewWaitUntilTerminated, SelfTestCode) then
      SelfTestCode := -1;
    Log(Format('skill-console --self-test exited %d', [SelfTestCode]));
    if SelfTestCode <> 0 then
      SuppressibleMsgBox('{#AppName} was installed, but its self-test failed (exit code ' +
        IntToStr(SelfTestCode) + '). Run "skill-console --self-test" in a terminal in ' +
        ExpandConstant('{app}') + ' to see why.', mbError, MB_OK, IDOK);
  end;
end;

function GetCustomSetupExitCode(): Integer;
begin
  { A silent install whose self-test failed must not look like a success to its caller. }
  if SelfTestCode <> 0 then
    Result := 10
  else
    Result := 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: String;
  At: Integer;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    Path := ';' + UserPath() + ';';
    Dir := ';' + ExpandConstant('{app}') + ';';
    At := Pos(Uppercase(Dir), Uppercase(Path));
    if At > 0 then
    begin
      Delete(Path, At, Length(Dir) - 1);
      Path := Copy(Path, 2, Length(Path) - 2);
      RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
    end;
  end;
end;

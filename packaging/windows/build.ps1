# Builds dist\skill-console-<version>-windows-x64-setup.exe from the current source, always from a
# clean work directory, then checks the bundle's version stamp and self-test.
# Usage (PowerShell, repository root or anywhere):  packaging\windows\build.ps1
# Needs: uv, and Inno Setup 6.1+ (iscc.exe on PATH or in its default folder).
# Signing (optional; without it the installer is unsigned and SmartScreen warns, see README):
#   SKILL_CONSOLE_SIGN_PFX       path to the code-signing certificate (.pfx)
#   SKILL_CONSOLE_SIGN_PASSWORD  its password
#   SKILL_CONSOLE_TIMESTAMP_URL  the RFC 3161 timestamp server of the certificate's vendor
#   (signtool.exe from the Windows SDK on PATH)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Native {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') exited $LASTEXITCODE" }
}

$version = (uv run --no-project python packaging/version.py).Trim()
# Windows file versions are four numbers: 1.2.3rc1 -> 1.2.3.0
$numbers = @([regex]::Matches($version, '\d+') | Select-Object -First 3 | ForEach-Object { $_.Value })
while ($numbers.Count -lt 3) { $numbers += "0" }
$fileVersion = ($numbers + "0") -join "."
Write-Host "== PyInstaller bundle $version (clean)"
foreach ($dir in "build\pyinstaller", "build\icons", "dist\skill-console") {
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
}
Get-ChildItem dist -Filter "skill-console-*-setup.exe" -ErrorAction SilentlyContinue | Remove-Item
Invoke-Native uv @("sync", "--locked", "--group", "packaging", "--quiet")
Invoke-Native uv @("run", "--locked", "--group", "packaging", "python", "packaging/make_icons.py", "build/icons")
Invoke-Native uv @("run", "--locked", "--group", "packaging", "pyinstaller", "--noconfirm", "--clean",
    "--log-level", "WARN", "--workpath", "build/pyinstaller", "--distpath", "dist",
    "packaging/skill-console.spec")

Write-Host "== the bundle says it is $version"
$said = (& dist\skill-console\skillctl.exe --version | Out-String).Trim()
if ($said -ne "skillctl $version") { throw "skillctl --version says '$said', not 'skillctl $version'" }
# skill-console.exe is a windowed program: no console, so judge it by its exit code.
$gui = Join-Path (Get-Location) "dist\skill-console\skill-console.exe"
$test = Start-Process $gui -ArgumentList "--self-test" -Wait -PassThru
if ($test.ExitCode -ne 0) { throw "skill-console --self-test exited $($test.ExitCode)" }

$signing = [bool]$env:SKILL_CONSOLE_SIGN_PFX
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
$isccArgs = @("/DAppVersion=$version", "/DFileVersion=$fileVersion")
if ($signing) {
    Write-Host "== signing the executables"
    foreach ($name in "skill-console.exe", "skillctl.exe") {
        Invoke-Native signtool.exe @("sign", "/f", $env:SKILL_CONSOLE_SIGN_PFX,
            "/p", $env:SKILL_CONSOLE_SIGN_PASSWORD, "/fd", "SHA256",
            "/tr", $env:SKILL_CONSOLE_TIMESTAMP_URL, "/td", "SHA256", "dist\skill-console\$name")
    }
    # Inno Setup signs the installer and uninstaller with this command ($f: the file to sign).
    $isccArgs += "/DSign"
    $isccArgs += "/Ssigntool=signtool.exe sign /f `$q$($env:SKILL_CONSOLE_SIGN_PFX)`$q " +
        "/p `$q$($env:SKILL_CONSOLE_SIGN_PASSWORD)`$q /fd SHA256 " +
        "/tr $($env:SKILL_CONSOLE_TIMESTAMP_URL) /td SHA256 `$f"
} else {
    Write-Host "== not signing (SKILL_CONSOLE_SIGN_PFX is not set): SmartScreen will warn"
}
Write-Host "== installer"
Invoke-Native $iscc ($isccArgs + "packaging\windows\skill-console.iss")
Get-ChildItem dist -Filter "skill-console-$version-windows-x64-setup.exe" |
    ForEach-Object { "{0}  {1:N1} MiB" -f $_.FullName, ($_.Length / 1MB) }

# Installs the built setup silently as a user would (per-user, no UAC), checks the installed app
# from its folder, upgrades over itself, then uninstalls silently and checks nothing is left.
# Usage: packaging\windows\smoke-test.ps1 dist\skill-console-<version>-windows-x64-setup.exe
param([Parameter(Mandatory = $true)][string]$Setup)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$version = ((Select-String -Path pyproject.toml -Pattern '^version = "(.*)"$' |
    Select-Object -First 1).Matches[0].Groups[1].Value)
$app = Join-Path $env:LOCALAPPDATA "Programs\Skill Enablement Console"

function Install-Silently {
    $run = Start-Process $Setup -ArgumentList "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART",
        "/LOG=$env:TEMP\skill-console-setup.log" -Wait -PassThru
    if ($run.ExitCode -ne 0) {
        Get-Content "$env:TEMP\skill-console-setup.log" -Tail 30
        throw "the installer exited $($run.ExitCode) (10: its self-test failed)"
    }
}

"size: {0:N1} MiB" -f ((Get-Item $Setup).Length / 1MB)
Install-Silently
"installed: {0:N1} MiB in $app" -f ((Get-ChildItem $app -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
$said = (& "$app\skillctl.exe" --version | Out-String).Trim()
if ($said -ne "skillctl $version") { throw "skillctl --version says '$said'" }
"ok: $said"
$clock = [Diagnostics.Stopwatch]::StartNew()
$test = Start-Process "$app\skill-console.exe" -ArgumentList "--self-test" -Wait -PassThru
if ($test.ExitCode -ne 0) { throw "skill-console --self-test exited $($test.ExitCode)" }
"ok: skill-console --self-test (windowed, no console) in $($clock.ElapsedMilliseconds) ms"
$userPath = [Environment]::GetEnvironmentVariable("Path", "User")
if (-not ($userPath -split ";" -contains $app)) { throw "the install folder is not on the user's PATH" }
"ok: skillctl's folder is on the user's PATH"
New-Item -ItemType File "$app\_internal\stale-from-an-old-version.txt" | Out-Null
Install-Silently  # an upgrade (the same version) must leave no stale file behind
if (Test-Path "$app\_internal\stale-from-an-old-version.txt") { throw "an upgrade left a stale file" }
"ok: an upgrade replaces _internal"
$run = Start-Process "$app\unins000.exe" -ArgumentList "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART" -Wait -PassThru
if ($run.ExitCode -ne 0) { throw "the uninstaller exited $($run.ExitCode)" }
# The uninstaller finishes in a copy of itself: wait (up to 30 s) for the files to go.
for ($i = 0; $i -lt 60 -and (Test-Path "$app\skill-console.exe"); $i++) { Start-Sleep -Milliseconds 500 }
if (Test-Path "$app\skill-console.exe") { throw "uninstall left the app behind" }
if (([Environment]::GetEnvironmentVariable("Path", "User") -split ";") -contains $app) { throw "uninstall left the PATH entry" }
"ok: uninstalled"

// These tests drive Linux parts (systemd's tools, nginx, bash scripts, signals): they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

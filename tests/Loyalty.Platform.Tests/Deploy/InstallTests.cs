using Loyalty.Platform.Tests.Infrastructure;

namespace Loyalty.Platform.Tests.Deploy;

/// <summary>app/deploy/install.sh on the published bundle, into a scratch root (DESTDIR), as the image build runs it.</summary>
[Collection(BundleSuite.Name)]
public sealed class InstallTests(PublishedBundle bundle)
{
    /// <summary>Every unit the bundle ships: install.sh lists them again, and these tests hold the two lists together.</summary>
    private static readonly string[] Units = [.. Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "app", "deploy", "systemd"))
        .Select(Path.GetFileName).Where(name => name!.EndsWith(".service", StringComparison.Ordinal) || name.EndsWith(".timer", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)!];

    [Fact]
    public async Task Install_PutsTheReleaseUnderCurrent_RootOwnedAndReadOnlyToTheService()
    {
        var root = bundle.NewRoot();

        var result = (await InstallAsync(bundle.InstallScript, root)).EnsureSuccess("install.sh");

        Assert.Contains($"installed Loyalty API {PublishedBundle.Version}", result.Output, StringComparison.Ordinal);
        var current = new FileInfo(Path.Combine(root, "opt", "loyalty", "current"));
        Assert.Equal($"releases/{PublishedBundle.Version}", current.LinkTarget);
        var binary = Path.Combine(root, "opt", "loyalty", "current", "app", "Loyalty.Api");
        Assert.True(File.GetUnixFileMode(binary).HasFlag(UnixFileMode.UserExecute));
        var release = Path.Combine(root, "opt", "loyalty", "releases", PublishedBundle.Version);
        Assert.All(Directory.EnumerateFileSystemEntries(release, "*", SearchOption.AllDirectories).Prepend(release), path =>
        {
            var mode = File.GetUnixFileMode(path);
            Assert.False(mode.HasFlag(UnixFileMode.GroupWrite) || mode.HasFlag(UnixFileMode.OtherWrite), $"{path} is writable beyond root");
        });
        Assert.Equal(PublishedBundle.Version, (await File.ReadAllTextAsync(Path.Combine(release, "VERSION"))).Trim());
    }

    [Fact]
    public async Task Install_CreatesTheSystemUser_TheUnits_AndARootOnlySettingsFolder_ButStartsNothing()
    {
        var root = bundle.NewRoot();

        (await InstallAsync(bundle.InstallScript, root)).EnsureSuccess("install.sh");

        var user = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd")), l => l.StartsWith("loyalty:", StringComparison.Ordinal));
        Assert.EndsWith(":/opt/loyalty:/usr/sbin/nologin", user, StringComparison.Ordinal);
        Assert.All(Units, unit => Assert.True(File.Exists(Path.Combine(root, "etc", "systemd", "system", unit)), unit));
        var settings = Path.Combine(root, "etc", "loyalty");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(settings));
        Assert.Empty(Directory.EnumerateFileSystemEntries(settings));
        var rotation = await File.ReadAllTextAsync(Path.Combine(root, "etc", "logrotate.d", "loyalty"));
        Assert.StartsWith("/var/log/loyalty/api.log {", rotation.Split('\n').First(l => l.StartsWith('/')), StringComparison.Ordinal);
        Assert.Contains("copytruncate", rotation, StringComparison.Ordinal);
        // Enabled only by the launch template's user data, once the stage is known.
        Assert.False(Directory.Exists(Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants")));
    }

    [Fact]
    public async Task Units_PassSystemdAnalyzeVerify_WithoutAWarning()
    {
        var root = bundle.NewRoot();
        (await InstallAsync(bundle.InstallScript, root)).EnsureSuccess("install.sh");
        // verify resolves the units' dependencies (network-online.target, ...) under the root: give it this host's.
        Directory.CreateDirectory(Path.Combine(root, "usr", "lib", "systemd"));
        (await Processes.RunAsync("cp", ["-a", "/usr/lib/systemd/system", Path.Combine(root, "usr", "lib", "systemd")])).EnsureSuccess("cp");

        foreach (var unit in Units)
        {
            var verify = await Processes.RunAsync("systemd-analyze", ["verify", $"--root={root}", Path.Combine(root, "etc", "systemd", "system", unit)]);
            Assert.True(verify.ExitCode == 0 && verify.Error.Length == 0 && verify.Output.Length == 0, $"{unit}: {verify.Error}{verify.Output}");
        }
    }

    [Fact]
    public async Task ApiUnit_IsHardenedAndNotifies()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(bundle.Folder, "deploy", "systemd", "loyalty-api.service"));

        foreach (var setting in new[]
        {
            "Type=notify", "User=loyalty", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
            "ProtectHome=yes", "CapabilityBoundingSet=", "EnvironmentFile=/etc/loyalty/api.env",
            "Requires=loyalty-config.service loyalty-migrate.service", "After=network-online.target loyalty-config.service loyalty-migrate.service",
            // The file the CloudWatch agent ships (cloudwatch-agent.json's collect_list).
            "StandardOutput=append:/var/log/loyalty/api.log", "LogsDirectory=loyalty",
        })
        {
            Assert.Contains($"\n{setting}\n", unit, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MigrateUnit_RunsTheReleasesMigrationsOnce_BeforeTheApi_AsTheServiceUser()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(bundle.Folder, "deploy", "systemd", "loyalty-migrate.service"));

        foreach (var setting in new[]
        {
            "Type=oneshot", "RemainAfterExit=yes", "User=loyalty", "ExecStart=/opt/loyalty/current/app/Loyalty.Api migrate",
            "EnvironmentFile=/etc/loyalty/api.env", "Requires=loyalty-config.service", "Before=loyalty-api.service",
            "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=", "StandardOutput=append:/var/log/loyalty/api.log",
        })
        {
            Assert.Contains($"\n{setting}\n", unit, StringComparison.Ordinal);
        }

        // Nothing but this step migrates in production: the API's own start-up migration is off there.
        using var production = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(bundle.Folder, "app", "appsettings.Production.json")));
        Assert.False(production.RootElement.GetProperty("Database").GetProperty("MigrateOnStart").GetBoolean());
    }

    [Fact]
    public async Task InstallingANewVersion_SwitchesCurrent_AndKeepsThePreviousRelease()
    {
        var root = bundle.NewRoot();
        (await InstallAsync(bundle.InstallScript, root)).EnsureSuccess("install.sh");
        var next = Path.Combine(bundle.NewRoot(), "bundle");
        (await Processes.RunAsync("cp", ["-a", bundle.Folder, next])).EnsureSuccess("cp");
        await File.WriteAllTextAsync(Path.Combine(next, "VERSION"), "platform-test-2\n");

        (await InstallAsync(Path.Combine(next, "deploy", "install.sh"), root)).EnsureSuccess("install.sh again");

        Assert.Equal("releases/platform-test-2", new FileInfo(Path.Combine(root, "opt", "loyalty", "current")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(root, "opt", "loyalty", "releases", PublishedBundle.Version)));
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd")), l => l.StartsWith("loyalty:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABundleWithoutTheApi_IsRefused_AndNothingIsInstalled()
    {
        var root = bundle.NewRoot();
        var broken = Path.Combine(bundle.NewRoot(), "bundle");
        (await Processes.RunAsync("cp", ["-a", bundle.Folder, broken])).EnsureSuccess("cp");
        File.Delete(Path.Combine(broken, "app", "Loyalty.Api"));

        var result = await InstallAsync(Path.Combine(broken, "deploy", "install.sh"), root);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("app/Loyalty.Api is missing", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    private static Task<ProcessResult> InstallAsync(string script, string root) =>
        Processes.BashAsync(script, [], new Dictionary<string, string> { ["DESTDIR"] = root });
}

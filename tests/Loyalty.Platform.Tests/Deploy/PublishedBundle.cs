using Loyalty.Platform.Tests.Infrastructure;

namespace Loyalty.Platform.Tests.Deploy;

/// <summary>The API as make publish bundles it (scripts/publish.sh, into a scratch folder), unpacked as the image build does.</summary>
public sealed class PublishedBundle : IAsyncLifetime
{
    public const string Version = "platform-test";

    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("loyalty-bundle-");

    /// <summary>The unpacked bundle: app/, deploy/, VERSION.</summary>
    public string Folder => Path.Combine(scratch.FullName, "unpacked", $"loyalty-api-{Version}");

    public string Tarball => Path.Combine(scratch.FullName, "artifacts", $"loyalty-api-{Version}.tar.gz");

    public string InstallScript => Path.Combine(Folder, "deploy", "install.sh");

    public async Task InitializeAsync()
    {
        var artifacts = Path.Combine(scratch.FullName, "artifacts");
        (await Processes.BashAsync(RepositoryRoot.Script("publish.sh"), [Version], new Dictionary<string, string> { ["LOYALTY_ARTIFACTS"] = artifacts }))
            .EnsureSuccess("publish.sh");
        var unpacked = Directory.CreateDirectory(Path.Combine(scratch.FullName, "unpacked"));
        (await Processes.RunAsync("tar", ["-xzf", Tarball, "-C", unpacked.FullName])).EnsureSuccess("tar");
    }

    public Task DisposeAsync()
    {
        scratch.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A scratch target root for install.sh (its DESTDIR).</summary>
    public string NewRoot() => Directory.CreateDirectory(Path.Combine(scratch.FullName, $"root-{Guid.NewGuid():N}")).FullName;
}

[CollectionDefinition(Name)]
public sealed class BundleSuite : ICollectionFixture<PublishedBundle>
{
    public const string Name = "bundle";
}

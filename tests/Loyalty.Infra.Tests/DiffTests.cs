using Xunit.Abstractions;

namespace Loyalty.Infra.Tests;

/// <summary>
/// scripts/diff.sh (make diff) end to end in a scratch repository holding this working tree: commits made there, both
/// sides synthesized and compared offline, as a reviewer and CI run it.
/// </summary>
public sealed class DiffTests(ScratchRepository repository, ITestOutputHelper output) : IClassFixture<ScratchRepository>
{
    [Fact]
    public async Task AgainstItsOwnHead_ACleanTree_ShowsNoChange_AndPasses()
    {
        var diff = await repository.DiffAsync("main", "HEAD");
        output.WriteLine(diff.Output);

        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("No infrastructure change.", diff.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("API bundle changed", diff.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewDevVpcRange_NamesTheReplacedNetwork_AndFails_UnlessAllowed_AndANewSshRangeIsASecurityChange()
    {
        var commit = await repository.CommitAsync("dev: new VPC range, one more SSH range", ("stages/dev.json", dev => dev
            .Replace("\"vpcCidr\": \"10.20.0.0/16\"", "\"vpcCidr\": \"10.21.0.0/16\"", StringComparison.Ordinal)
            .Replace("\"sshAllowList\": [\"203.0.113.0/24\"]", "\"sshAllowList\": [\"203.0.113.0/24\", \"198.51.100.0/24\"]", StringComparison.Ordinal)));

        var refused = await repository.DiffAsync(commit, $"{commit}~1");
        output.WriteLine(refused.Output);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        var destructive = Section(refused.Output, "### Destructive changes");
        Assert.Contains("| dev | `Loyalty-dev/Network/Vpc/Resource` | AWS::EC2::VPC | replaced | CidrBlock |", destructive, StringComparison.Ordinal);
        Assert.Contains("| dev | `Loyalty-dev/Network/Vpc/isolated-dbSubnet1/Subnet` | AWS::EC2::Subnet | replaced | CidrBlock |", destructive, StringComparison.Ordinal);
        Assert.DoesNotContain("| prod |", destructive, StringComparison.Ordinal);
        Assert.Contains("destructive change(s); set ALLOW_DESTRUCTIVE=1", refused.Error, StringComparison.Ordinal);
        var security = Section(refused.Output, "### Security changes");
        Assert.Contains("| + | ${Bastion/SecurityGroup/Resource.GroupId} | In | TCP 22 | 198.51.100.0/24 |", security, StringComparison.Ordinal);
        Assert.DoesNotContain("API bundle changed", refused.Output, StringComparison.Ordinal);

        var allowed = await repository.DiffAsync(commit, $"{commit}~1", allowDestructive: true);

        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Contains("Allowed for this run", allowed.Output, StringComparison.Ordinal);
        Assert.Equal(Section(refused.Output, "### Resources"), Section(allowed.Output, "### Resources"));
    }

    [Fact]
    public async Task AChangeToTheApi_IsOneBundleLine_NotAssetNoise()
    {
        var commit = await repository.CommitAsync("api: a comment", ("app/Loyalty.Api/Program.cs", program => "// a change to the API\n" + program));

        var diff = await repository.DiffAsync(commit, $"{commit}~1");
        output.WriteLine(diff.Output);

        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Contains("**API bundle changed: the fleet rolls**", diff.Output, StringComparison.Ordinal);
        Assert.Contains("No other infrastructure change.", diff.Output, StringComparison.Ordinal);
    }

    /// <summary>From a heading to the next heading of the same level.</summary>
    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {heading} in:\n{markdown}");
        var next = markdown.IndexOf("\n### ", start + heading.Length, StringComparison.Ordinal);
        return next < 0 ? markdown[start..] : markdown[start..next];
    }
}

/// <summary>A git repository in a temporary folder holding this working tree (tracked and untracked files) as its first commit.</summary>
public sealed class ScratchRepository : IAsyncLifetime
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"loyalty-diff-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        var files = (await Processes.RunAsync("git", ["ls-files", "-co", "--exclude-standard", "-z"])).Output
            .Split('\0', StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in files.Where(f => File.Exists(Path.Combine(RepositoryRoot.Path, f))))
        {
            var target = Path.Combine(path, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(RepositoryRoot.Path, file), target);
        }

        await GitAsync("init", "-q", "-b", "main");
        // The pinned node tools (the CDK CLI, the diff library) are the repository's own install, not part of the tree.
        File.CreateSymbolicLink(Path.Combine(path, "node_modules"), Path.Combine(RepositoryRoot.Path, "node_modules"));
        await File.AppendAllTextAsync(Path.Combine(path, ".git", "info", "exclude"), "/node_modules\n");
        await GitAsync("add", "-A");
        await GitAsync("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "the working tree");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(path, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Commits edits to files of the scratch repository; returns the commit.</summary>
    public async Task<string> CommitAsync(string message, params (string File, Func<string, string> Edit)[] edits)
    {
        // Each commit starts from the first one, whatever an earlier test committed (tests of a class run one at a time).
        await GitAsync("checkout", "-q", "--detach", "main");
        foreach (var (file, edit) in edits)
        {
            var full = Path.Combine(path, file);
            var before = await File.ReadAllTextAsync(full);
            var after = edit(before);
            Assert.NotEqual(before, after);
            await File.WriteAllTextAsync(full, after);
        }

        await GitAsync("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-am", message);
        return (await GitAsync("rev-parse", "HEAD")).Output.Trim();
    }

    /// <summary>scripts/diff.sh against <paramref name="baseRef"/>, with <paramref name="head"/> checked out.</summary>
    public async Task<ProcessResult> DiffAsync(string head, string baseRef, bool allowDestructive = false)
    {
        await GitAsync("checkout", "-q", "--detach", head);
        var environment = new Dictionary<string, string> { ["ALLOW_DESTRUCTIVE"] = allowDestructive ? "1" : "0" };
        return await Processes.BashAsync(Path.Combine(path, "scripts", "diff.sh"), [baseRef], environment, TimeSpan.FromMinutes(10), path);
    }

    private async Task<ProcessResult> GitAsync(params string[] arguments)
    {
        var run = await Processes.RunAsync("git", arguments, directory: path);
        return run.ExitCode == 0 ? run : throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {run}");
    }
}

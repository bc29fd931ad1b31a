using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Loyalty.Infra.Tests;

/// <summary>
/// The shape of .github/: what actionlint (run by make test) cannot know is policy here. Least privilege per job, OIDC
/// only where AWS is called, no pull_request_target, environments and non-cancelling concurrency for deploys, secrets
/// never in a script, actions pinned, and the stage lists the same as the CDK app's.
/// </summary>
public sealed partial class WorkflowTests
{
    private static readonly string Workflows = Path.Combine(RepositoryRoot.Path, ".github", "workflows");

    /// <summary>The permissions a job may be given write access to: OIDC tokens, and comments on pull requests.</summary>
    private static readonly string[] Writable = ["id-token", "pull-requests"];

    public static TheoryData<string> Files => [.. FileNames()];

    [Fact]
    public void TheWorkflows_AreTheFourTheReadmeDocuments() =>
        Assert.Equal(["ci.yml", "deploy.yml", "drift.yml", "preview.yml"], FileNames());

    [Theory]
    [MemberData(nameof(Files))]
    public void Workflow_ReadsTheRepositoryOnlyByDefault_AndEachJobAsksForNoMoreThanItUses(string file)
    {
        var workflow = Load(file);

        Assert.Equal(new Dictionary<string, string> { ["contents"] = "read" }, Permissions(workflow));
        foreach (var (name, job) in Jobs(workflow))
        {
            var permissions = Permissions(job);
            Assert.All(permissions.Where(p => p.Value == "write"), p => Assert.Contains(p.Key, Writable));
            var steps = Steps(job).ToList();
            if (permissions.GetValueOrDefault("id-token") == "write")
            {
                Assert.True(steps.Any(s => Uses(s).StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal)),
                    $"{file} {name} asks for an OIDC token it never uses for AWS");
            }

            if (permissions.GetValueOrDefault("pull-requests") == "write")
            {
                // The job that may write to the pull request runs none of its code.
                Assert.DoesNotContain(steps, s => Uses(s).StartsWith("actions/checkout@", StringComparison.Ordinal));
                Assert.DoesNotContain(steps, s => s.Children.ContainsKey("run"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Workflow_NeverRunsForeignCodeWithSecrets_NorEchoesOne(string file)
    {
        var text = File.ReadAllText(Path.Combine(Workflows, file));

        Assert.DoesNotContain("pull_request_target", text, StringComparison.Ordinal);
        Assert.DoesNotContain("workflow_run", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-access-key-id", text, StringComparison.Ordinal);
        foreach (var (_, job) in Jobs(Load(file)))
        {
            foreach (var step in Steps(job).Where(s => s.Children.ContainsKey("run")))
            {
                // An expression is pasted into the script before the shell sees it: secrets and event text go through env.
                var script = step.Children["run"].ToString();
                Assert.DoesNotMatch(@"\$\{\{\s*(secrets\.|github\.event\.)", script);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryAction_IsPinnedToARelease(string file)
    {
        var uses = Jobs(Load(file)).SelectMany(j => Steps(j.Job)).Select(Uses).Where(u => u.Length > 0).ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses.Where(u => !u.StartsWith("./", StringComparison.Ordinal)), u => Assert.Matches(PinnedAction(), u));
    }

    [Fact]
    public void Ci_RunsMakeTest_OnPushesToMainAndPullRequests_AndKeepsTheResults()
    {
        var ci = Load("ci.yml");
        var on = (YamlMappingNode)ci.Children["on"];

        Assert.Equal(["main"], Sequence(((YamlMappingNode)on.Children["push"]).Children["branches"]));
        Assert.True(on.Children.ContainsKey("pull_request"));
        var steps = Steps(Assert.Single(Jobs(ci)).Job).ToList();
        Assert.Contains(steps, s => s.Children.TryGetValue("run", out var run) && run.ToString().StartsWith("make test", StringComparison.Ordinal));
        Assert.Contains(steps, s => Uses(s).StartsWith("actions/upload-artifact@", StringComparison.Ordinal));
        Assert.Contains(steps, s => Uses(s) == "./.github/actions/setup");
    }

    [Fact]
    public void Preview_RunsOnPullRequests_PostsOneCommentInPlace_AndFailsOnADestructiveChangeWithoutTheLabel()
    {
        var preview = Load("preview.yml");
        var jobs = Jobs(preview).ToDictionary(j => j.Name, j => j.Job);
        var text = File.ReadAllText(Path.Combine(Workflows, "preview.yml"));

        Assert.Equal(["pull_request"], ((YamlMappingNode)preview.Children["on"]).Children.Keys.Select(k => k.ToString()));
        Assert.Equal("write", Permissions(jobs["diff"]).GetValueOrDefault("id-token"));
        Assert.False(Permissions(jobs["diff"]).ContainsKey("pull-requests"));
        Assert.Equal("write", Permissions(jobs["comment"])["pull-requests"]);
        // The script, not make: make reports every failure as 2, and the check tells a destructive change (1) apart.
        Assert.Contains("scripts/diff.sh \"$BASE_SHA\"", text, StringComparison.Ordinal);
        Assert.Contains("contains(github.event.pull_request.labels.*.name, 'allow-destructive')", text, StringComparison.Ordinal);
        Assert.Contains("github.rest.issues.updateComment", text, StringComparison.Ordinal);
        // Pull requests from forks get the offline diff only: no AWS credentials, no comment.
        Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_SynthesizesOnce_ThenEachStageInItsEnvironment_OneAtATime_NeverCancelled()
    {
        var deploy = Load("deploy.yml");
        var jobs = Jobs(deploy).ToDictionary(j => j.Name, j => j.Job);

        Assert.Equal(["synth", .. StageLoader.Names], jobs.Keys);
        var dispatch = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deploy.Children["on"]).Children["workflow_dispatch"]).Children["inputs"];
        Assert.Equal(StageLoader.Names, Sequence(((YamlMappingNode)dispatch.Children["stage"]).Children["options"]));
        Assert.Contains(Steps(jobs["synth"]), s => Uses(s).StartsWith("actions/upload-artifact@", StringComparison.Ordinal));
        foreach (var stage in StageLoader.Names)
        {
            var job = jobs[stage];
            Assert.Equal(stage, job.Children["environment"].ToString());
            var concurrency = (YamlMappingNode)job.Children["concurrency"];
            Assert.Equal($"deploy-{stage}", concurrency.Children["group"].ToString());
            Assert.Equal("false", concurrency.Children["cancel-in-progress"].ToString());
            Assert.Contains("synth", Needs(job));
            var steps = Steps(job).ToList();
            Assert.Contains(steps, s => Uses(s).StartsWith("actions/download-artifact@", StringComparison.Ordinal));
            var credentials = Assert.Single(steps, s => Uses(s).StartsWith("aws-actions/configure-aws-credentials@", StringComparison.Ordinal));
            Assert.Equal("${{ vars.AWS_DEPLOY_ROLE_ARN }}", ((YamlMappingNode)credentials.Children["with"]).Children["role-to-assume"].ToString());
            // An older commit whose synth finished late never deploys over a newer one.
            var newest = steps.FindIndex(s => s.Children.TryGetValue("name", out var name) && name.ToString() == "Still the newest commit on main?");
            Assert.True(newest >= 0 && newest < steps.IndexOf(credentials), $"{stage}: no check that the commit is still main's newest before the deploy");
            Assert.Contains(steps, s => s.Children.TryGetValue("run", out var run)
                && run.ToString() == $"scripts/deploy.sh {stage} --assembly cdk.out/{stage}");
        }

        Assert.Contains("dev", Needs(jobs["prod"]));
    }

    [Fact]
    public void Drift_ChecksEveryStageOnASchedule()
    {
        var drift = Load("drift.yml");
        var job = Assert.Single(Jobs(drift)).Job;

        Assert.True(((YamlMappingNode)drift.Children["on"]).Children.ContainsKey("schedule"));
        var matrix = (YamlMappingNode)((YamlMappingNode)job.Children["strategy"]).Children["matrix"];
        Assert.Equal(StageLoader.Names, Sequence(matrix.Children["stage"]));
        Assert.Contains(Steps(job), s => s.Children.TryGetValue("run", out var run) && run.ToString().StartsWith("scripts/drift.sh", StringComparison.Ordinal));
        // Each stage's role by its own name: a missing prod variable must not fall back to dev's account.
        Assert.Contains("vars[format('AWS_DRIFT_ROLE_ARN_{0}'", File.ReadAllText(Path.Combine(Workflows, "drift.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Dependabot_UpdatesEveryEcosystemThatIsPinned()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "dependabot.yml")));
        var yaml = new YamlStream();
        yaml.Load(reader);
        var updates = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["updates"];

        Assert.Equal(["github-actions", "npm", "nuget", "pip"],
            updates.Children.Select(u => ((YamlMappingNode)u).Children["package-ecosystem"].ToString()).Order());
    }

    private static List<string> FileNames() => [.. Directory.GetFiles(Workflows, "*.yml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    private static YamlMappingNode Load(string file)
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Workflows, file)));
        var yaml = new YamlStream();
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<(string Name, YamlMappingNode Job)> Jobs(YamlMappingNode workflow) =>
        ((YamlMappingNode)workflow.Children["jobs"]).Children.Select(j => (j.Key.ToString(), (YamlMappingNode)j.Value));

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue("steps", out var steps) ? ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>() : [];

    private static string Uses(YamlMappingNode step) => step.Children.TryGetValue("uses", out var uses) ? uses.ToString() : "";

    private static Dictionary<string, string> Permissions(YamlMappingNode node) =>
        node.Children.TryGetValue("permissions", out var permissions)
            ? ((YamlMappingNode)permissions).Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString())
            : [];

    private static List<string> Needs(YamlMappingNode job) =>
        !job.Children.TryGetValue("needs", out var needs) ? [] : needs is YamlSequenceNode list ? Sequence(list) : [needs.ToString()];

    private static List<string> Sequence(YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(c => c.ToString())];

    /// <summary>owner/repo[/path]@vN (a release tag) or @ a full commit sha.</summary>
    [GeneratedRegex(@"^[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$")]
    private static partial Regex PinnedAction();
}

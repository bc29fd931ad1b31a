using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace Loyalty.Infra.Tests;

/// <summary>
/// Both stages synthesised once per test run (synth is slow): the real stage files through the real stack,
/// as <c>npx cdk synth -c stage=...</c> builds them.
/// </summary>
public sealed class Stages
{
    private readonly Lazy<SynthesisedStage> dev = new(() => SynthesisedStage.Of("dev"));
    private readonly Lazy<SynthesisedStage> prod = new(() => SynthesisedStage.Of("prod"));

    public SynthesisedStage Dev => dev.Value;

    public SynthesisedStage Prod => prod.Value;

    public SynthesisedStage this[string stage] => stage == "prod" ? Prod : Dev;

    /// <summary>The ci stack of a stage's account, as Program.cs adds it beside the stage.</summary>
    public SynthesisedCi Ci(string stage) => stage == "prod" ? prodCi.Value : devCi.Value;

    private readonly Lazy<SynthesisedCi> devCi = new(() => SynthesisedCi.Of("dev"));
    private readonly Lazy<SynthesisedCi> prodCi = new(() => SynthesisedCi.Of("prod"));
}

/// <summary>The Loyalty-ci stack of one stage's account, synthesised from the real settings files.</summary>
public sealed class SynthesisedCi
{
    private SynthesisedCi(GitHubSettings github, IReadOnlyList<StageConfig> stages, CiStack stack, string templatePath)
    {
        GitHub = github;
        Stages = stages;
        Stack = stack;
        Template = Template.FromStack(stack);
        TemplatePath = templatePath;
        Json = JsonDocument.Parse(File.ReadAllText(templatePath)).RootElement.Clone();
    }

    public GitHubSettings GitHub { get; }

    /// <summary>The stages of the account: what the stack serves.</summary>
    public IReadOnlyList<StageConfig> Stages { get; }

    public CiStack Stack { get; }

    public Template Template { get; }

    public string TemplatePath { get; }

    public JsonElement Json { get; }

    public static SynthesisedCi Of(string stage)
    {
        var stages = StageLoader.LoadAccount(RepositoryRoot.Path, StageLoader.Load(RepositoryRoot.Path, stage));
        var github = GitHubSettingsLoader.Load(RepositoryRoot.Path);
        var app = SynthesisedStage.NewApp(Path.Combine(Path.GetTempPath(), $"loyalty-cdk-ci-{stage}-{Guid.NewGuid():N}"));
        var stack = new CiStack(app, github, stages);
        var assembly = app.Synth();
        return new SynthesisedCi(github, stages, stack, assembly.GetStackArtifact(stack.ArtifactId).TemplateFullPath);
    }
}

public sealed class SynthesisedStage
{
    private SynthesisedStage(StageConfig config, LoyaltyStack stack, Template template, string templatePath)
    {
        Config = config;
        Stack = stack;
        Template = template;
        TemplatePath = templatePath;
        Json = JsonDocument.Parse(File.ReadAllText(templatePath)).RootElement.Clone();
    }

    public StageConfig Config { get; }

    /// <summary>The synthesised stack, for <c>Annotations.FromStack</c> (the policy gate's findings).</summary>
    public LoyaltyStack Stack { get; }

    public Template Template { get; }

    /// <summary>The template file as the CDK CLI writes it into cdk.out (with its metadata).</summary>
    public string TemplatePath { get; }

    /// <summary>The template as CloudFormation JSON.</summary>
    public JsonElement Json { get; }

    public JsonElement Resource(string logicalId) => Json.GetProperty("Resources").GetProperty(logicalId);

    /// <summary>The logical id of the resource at a construct path below the stack (e.g. <c>Database/Instance/Resource</c>).</summary>
    public string LogicalIdAt(string path) =>
        Json.GetProperty("Resources").EnumerateObject()
            .Single(r => r.Value.TryGetProperty("Metadata", out var m) && m.GetProperty("aws:cdk:path").GetString() == $"Loyalty-{Config.Name}/{path}")
            .Name;

    /// <summary>The logical id a <c>Ref</c> or <c>Fn::GetAtt</c> names.</summary>
    public static string RefOf(JsonElement value) =>
        (value.TryGetProperty("Ref", out var reference) ? reference : value.GetProperty("Fn::GetAtt")[0]).GetString()
        ?? throw new InvalidOperationException($"no logical id in {value}");

    public IEnumerable<(string LogicalId, JsonElement Properties)> Resources(string type) =>
        Json.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == type)
            .Select(r => (r.Name, r.Value.TryGetProperty("Properties", out var p) ? p : default));

    public static SynthesisedStage Of(string stage)
    {
        var config = StageLoader.Load(RepositoryRoot.Path, stage);
        var outdir = Path.Combine(Path.GetTempPath(), $"loyalty-cdk-{stage}-{Guid.NewGuid():N}");
        var stack = Synthesise(config, outdir);
        var assembly = ((App)stack.Node.Root).Synth();
        return new SynthesisedStage(config, stack, Template.FromStack(stack), assembly.GetStackArtifact(stack.ArtifactId).TemplateFullPath);
    }

    /// <summary>
    /// The stack for a config in a fresh app, set up as the CDK CLI sets up Program.cs: cdk.json's context
    /// (feature flags), construct paths in the template metadata, and the zones the stage file names.
    /// </summary>
    public static LoyaltyStack Synthesise(StageConfig config, string? outdir = null, string? bundle = null)
    {
        var app = NewApp(outdir);
        app.Node.SetContext($"availability-zones:account={config.Account}:region={config.Region}", config.AvailabilityZones.ToArray());
        return new LoyaltyStack(app, config, bundle ?? ApiBundle.Path);
    }

    /// <summary>An app set up as the CDK CLI sets one up for Program.cs: cdk.json's context and path metadata.</summary>
    public static App NewApp(string? outdir)
    {
        // Path metadata and the CDKMetadata resource are what cfn-lint recognises a CDK template by.
        var context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true, ["aws:cdk:version-reporting"] = true };
        using (var cdkJson = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, "cdk.json"))))
        {
            foreach (var flag in cdkJson.RootElement.GetProperty("context").EnumerateObject())
            {
                context[flag.Name] = flag.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Array => flag.Value.EnumerateArray().Select(v => v.GetString()!).ToArray(),
                    _ => flag.Value.GetString()!,
                };
            }
        }

        return new App(new AppProps { Outdir = outdir, Context = context });
    }
}

/// <summary>
/// A bundle of the shape make publish writes (loyalty-api-&lt;version&gt;/ with VERSION, app/, deploy/), small and fixed:
/// the stack only ships it as the golden AMI's asset, so its bytes matter for the asset hash alone. The real bundle's
/// install is tested in Loyalty.Platform.Tests.
/// </summary>
public static class ApiBundle
{
    public const string Version = "infra-test";

    private static readonly Lazy<string> Built = new(Build);

    public static string Path => Built.Value;

    private static string Build()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"loyalty-api-{Version}-{System.Environment.ProcessId}.tar.gz");
        using var file = File.Create(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        using var tar = new System.Formats.Tar.TarWriter(gzip);
        foreach (var (name, content) in new[]
        {
            ("VERSION", Version + "\n"),
            ("app/Loyalty.Api", "#!/bin/sh\n"),
            ("deploy/install.sh", "#!/bin/sh\n"),
        })
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"loyalty-api-{Version}/{name}")
            {
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
                ModificationTime = DateTimeOffset.UnixEpoch,
            };
            tar.WriteEntry(entry);
        }

        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class StagesSuite : ICollectionFixture<Stages>
{
    public const string Name = "stages";
}

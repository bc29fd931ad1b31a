using Amazon.CDK;
using Loyalty.Infra;

// Composition root: `npx cdk synth|diff|deploy -c stage=dev|prod` runs this from the repository root. It holds the
// stage's stack (Loyalty-<stage>) and the CI access stack of the stage's account (Loyalty-ci).
var app = new App();
var stage = app.Node.TryGetContext("stage") as string ?? "dev";
// -c stageRoot=<dir> reads <dir>/stages/<stage>.json instead: the deploy rehearsal's update changes a scratch copy.
var stageRoot = app.Node.TryGetContext("stageRoot") as string ?? Directory.GetCurrentDirectory();
StageConfig config;
List<StageConfig> accountStages;
GitHubSettings github;
try
{
    config = StageLoader.Load(stageRoot, stage);
    // The ci stack of the stage's account serves every stage that lives in that account.
    accountStages = StageLoader.LoadAccount(stageRoot, config);
    github = GitHubSettingsLoader.Load(stageRoot);
}
catch (StageConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

// The golden AMI ships the published API (make publish); -c bundle=<path> names another one.
var bundle = Path.GetFullPath(app.Node.TryGetContext("bundle") as string ?? Path.Combine("artifacts", "loyalty-api.tar.gz"));
if (!File.Exists(bundle))
{
    Console.Error.WriteLine($"No API bundle at {bundle}: run `make publish` first (or pass -c bundle=<path to a bundle>).");
    return 1;
}

// The zones come from the stage file, not a lookup: synth stays offline and deterministic.
app.Node.SetContext($"availability-zones:account={config.Account}:region={config.Region}", config.AvailabilityZones.ToArray());
_ = new LoyaltyStack(app, config, bundle);
_ = new CiStack(app, github, accountStages);
app.Synth();
return 0;

using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra;

/// <summary>
/// The access CI needs, one stack per account (<c>Loyalty-ci</c>): GitHub's OIDC provider; per stage of the account a
/// deploy role only a job in that stage's GitHub environment can assume; a preview role for pull requests that reads the
/// stage stacks' templates; and a drift role for scheduled runs on main that may assume the read-only lookup role.
/// The deploy and drift roles may do nothing but assume the account's CDK bootstrap roles, which hold the real
/// permissions; no keys are stored anywhere.
/// </summary>
public sealed class CiStack : Stack
{
    public const string Id = "Loyalty-ci";

    /// <summary>The stage tag of the stack: it serves every stage of its account.</summary>
    public const string StageTag = "ci";

    public const string Issuer = "token.actions.githubusercontent.com";

    /// <summary>The audience aws-actions/configure-aws-credentials asks GitHub for.</summary>
    public const string Audience = "sts.amazonaws.com";

    /// <summary>The bootstrap roles a deploy assumes (cdk deploy publishes assets, then deploys); cdk diff and drift detection use the lookup role only.</summary>
    public static readonly IReadOnlyList<string> DeployBootstrapRoles = ["deploy", "file-publishing", "image-publishing", "lookup"];

    /// <param name="stages">The stages that live in this stack's account.</param>
    public CiStack(Construct scope, GitHubSettings github, IReadOnlyList<StageConfig> stages) : base(scope, Id, Props(stages))
    {
        Amazon.CDK.Tags.Of(this).Add("stage", StageTag);
        foreach (var (key, value) in github.Tags)
        {
            Amazon.CDK.Tags.Of(this).Add(key, value);
        }

        var provider = new CfnOIDCProvider(this, "GitHubOidc", new CfnOIDCProviderProps
        {
            Url = $"https://{Issuer}",
            ClientIdList = [Audience],
        });

        var regions = stages.Select(s => s.Region).Distinct(StringComparer.Ordinal).ToList();
        foreach (var stage in stages)
        {
            DeployRoles[stage.Name] = TrustedRole($"Deploy-{stage.Name}", $"loyalty-github-deploy-{stage.Name}",
                $"GitHub Actions deploys the {stage.Name} stage (environment {stage.Name}) through the CDK bootstrap roles",
                provider, [github.EnvironmentSubject(stage.Name)],
                AssumeRoles(DeployBootstrapRoles.Select(role => BootstrapRoleArn(github, role, stage.Region))));
        }

        // A pull request's code runs with this role: it reads the stage stacks' templates and the bootstrap version,
        // nothing else (the lookup role's ReadOnlyAccess would let any branch read the stages' logs and files).
        PreviewRole = TrustedRole("Preview", "loyalty-github-preview",
            "GitHub Actions previews pull requests: the deployed templates of this account's stages, for cdk diff",
            provider, [github.PullRequestSubject],
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadStageTemplates",
                    Actions = ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
                    Resources = [.. stages.Select(s => $"arn:{Partition}:cloudformation:{s.Region}:{Account}:stack/Loyalty-{s.Name}/*")],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadBootstrapVersion",
                    Actions = ["ssm:GetParameter"],
                    Resources = [.. regions.Select(region => $"arn:{Partition}:ssm:{region}:{Account}:parameter/cdk-bootstrap/{github.BootstrapQualifier}/version")],
                }),
            ]);

        // Drift detection reads every resource with the caller's permissions: the scheduled check on main goes through
        // the read-only lookup role.
        DriftRole = TrustedRole("Drift", "loyalty-github-drift",
            "GitHub Actions checks the deployed stacks for drift (runs on main) through the read-only CDK lookup role",
            provider, [github.BranchSubject("main")],
            AssumeRoles(regions.Select(region => BootstrapRoleArn(github, "lookup", region))));

        foreach (var (stage, role) in DeployRoles)
        {
            _ = new CfnOutput(this, $"DeployRoleArn{char.ToUpperInvariant(stage[0])}{stage[1..]}", new CfnOutputProps
            {
                Value = role.RoleArn,
                Description = $"AWS_DEPLOY_ROLE_ARN of the GitHub environment {stage}",
            });
        }

        _ = new CfnOutput(this, "PreviewRoleArn", new CfnOutputProps
        {
            Value = PreviewRole.RoleArn,
            Description = "The repository's AWS_PREVIEW_ROLE_ARN_<STAGE> for each stage of this account",
        });
        _ = new CfnOutput(this, "DriftRoleArn", new CfnOutputProps
        {
            Value = DriftRole.RoleArn,
            Description = "The repository's AWS_DRIFT_ROLE_ARN_<STAGE> for each stage of this account",
        });

        // Last, so the gate reads the finished stack (infra/POLICY.md). Strict (warnings fail) where prod lives.
        Aspects.Of(this).Add(new PolicyAspect(
            new PolicyStage(StageTag, stages.Any(s => s.IsProduction), [], []), PolicyRules.All, PolicySuppressions.All));
    }

    /// <summary>The deploy role of each stage in the account, by stage name.</summary>
    public Dictionary<string, Role> DeployRoles { get; } = new(StringComparer.Ordinal);

    /// <summary>Pull-request previews: the stage stacks' templates, read directly.</summary>
    public Role PreviewRole { get; }

    /// <summary>The scheduled drift check: it may assume only the read-only lookup role.</summary>
    public Role DriftRole { get; }

    private static StackProps Props(IReadOnlyList<StageConfig> stages)
    {
        if (stages.Count == 0 || stages.Select(s => s.Account).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            throw new ArgumentException("The ci stack serves the stages of one account: give at least one, all in the same account.", nameof(stages));
        }

        return new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = stages[0].Account, Region = stages[0].Region },
            Description = $"Loyalty CI access (GitHub OIDC) for the {string.Join(" and ", stages.Select(s => s.Name))} stage(s) of this account",
            TerminationProtection = stages.Any(s => s.IsProduction),
        };
    }

    /// <summary>
    /// A role only GitHub's tokens for exactly these <paramref name="subjects"/> can assume (audience and subject matched
    /// exactly: policy LOY-IAM-6), allowed nothing but <paramref name="statements"/>. Sessions last up to two hours:
    /// a deploy that builds a golden AMI and rolls the fleet outlasts one.
    /// </summary>
    private Role TrustedRole(string id, string name, string description, CfnOIDCProvider provider, string[] subjects, IEnumerable<PolicyStatement> statements)
    {
        var role = new Role(this, id, new RoleProps
        {
            RoleName = name,
            Description = description,
            MaxSessionDuration = Duration.Hours(2),
            AssumedBy = new FederatedPrincipal(provider.AttrArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    [$"{Issuer}:aud"] = Audience,
                    [$"{Issuer}:sub"] = subjects.Length == 1 ? subjects[0] : subjects,
                },
            }, "sts:AssumeRoleWithWebIdentity"),
        });
        foreach (var statement in statements)
        {
            role.AddToPolicy(statement);
        }

        return role;
    }

    private static PolicyStatement[] AssumeRoles(IEnumerable<string> roles) =>
    [
        new PolicyStatement(new PolicyStatementProps { Sid = "AssumeBootstrapRoles", Actions = ["sts:AssumeRole"], Resources = [.. roles] }),
    ];

    /// <summary>The name <c>cdk bootstrap</c> gives a role: cdk-{qualifier}-{role}-role-{account}-{region}.</summary>
    private string BootstrapRoleArn(GitHubSettings github, string role, string region) =>
        $"arn:{Partition}:iam::{Account}:role/cdk-{github.BootstrapQualifier}-{role}-role-{Account}-{region}";
}

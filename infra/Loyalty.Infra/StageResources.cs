using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Constructs;
using SsmParameter = Amazon.CDK.AWS.SSM.CfnParameter;
using SsmParameterProps = Amazon.CDK.AWS.SSM.CfnParameterProps;

namespace Loyalty.Infra;

/// <summary>What every construct of a stage makes the same way: removal, customer-managed keys, the API's settings.</summary>
public static class StageResources
{
    /// <summary>
    /// Prod keeps what holds data or guards it (keys, logs, pools, buckets) when the stack or the resource goes;
    /// a dev stage is disposable.
    /// </summary>
    public static RemovalPolicy Removal(StageConfig stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.IsProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    }

    /// <summary>
    /// A customer-managed key of the stage, rotated every year, with the longest deletion window, and kept in prod:
    /// what it encrypts stays readable only while it exists.
    /// </summary>
    public static Key CustomerKey(Construct scope, string id, StageConfig stage, string purpose)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return new Key(scope, id, new KeyProps
        {
            Description = $"Loyalty {stage.Name}: {purpose}",
            EnableKeyRotation = true,
            RemovalPolicy = Removal(stage),
            PendingWindow = Duration.Days(30),
        });
    }

    /// <summary>
    /// A key-policy statement letting an AWS service use the key only for this account's resources: the
    /// encryption-context key <paramref name="contextKey"/> must be an ARN of <paramref name="service"/> in this
    /// region and account (policy LOY-IAM-7).
    /// </summary>
    public static PolicyStatement ServiceKeyUse(Construct scope, string principal, string[] actions, string contextKey, string service, string resource)
    {
        var stack = Stack.Of(scope);
        return new PolicyStatement(new PolicyStatementProps
        {
            Principals = [new ServicePrincipal(principal)],
            Actions = actions,
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { [contextKey] = $"arn:{stack.Partition}:{service}:{stack.Region}:{stack.Account}:{resource}" },
            },
        });
    }

    /// <summary>Where the API's settings live, with a trailing slash: <c>/loyalty/&lt;stage&gt;/api/</c>.</summary>
    public static string ApiSettingsPath(StageConfig stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return $"/loyalty/{stage.Name}/api/";
    }

    /// <summary>
    /// One setting of the API as an SSM parameter under <see cref="ApiSettingsPath"/>, named as the API binds it
    /// (<c>Section__Key</c>); the boot step turns each into an environment variable.
    /// </summary>
    public static SsmParameter ApiSetting(Construct scope, string id, StageConfig stage, string key, string value, string description) =>
        new(scope, id, new SsmParameterProps
        {
            Name = ApiSettingsPath(stage) + key,
            Type = "String",
            Tier = "Standard",
            Value = value,
            Description = description,
        });
}

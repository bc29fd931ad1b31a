using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Loyalty.Infra.PolicyGate;

public static class TaggingRules
{
    private static readonly string[] LaunchTagged = ["instance", "volume"];

    public static readonly PolicyRule Required = new(
        "LOY-TAG-1", Severity.Error, "Tagging", "Cost and owner traceable",
        "tag the stack (Tags.Of(stack).Add) with stage and the stage file's service, owner and cost-centre; "
        + "propagate ASG tags at launch, tag launch-template instances and volumes, and copy RDS tags to snapshots",
        Faults);

    private static IEnumerable<string> Faults(PolicyResource r, PolicyContext ctx)
    {
        var manager = r.Cfn switch
        {
            ITaggable t => t.Tags,
            ITaggableV2 t => t.CdkTagManager,
            _ => null,
        };
        if (manager is null)
        {
            yield break;
        }

        // The tag property is not always Tags (a user pool's is UserPoolTags): the resource's tag manager names it.
        var tags = Read(r.Properties.Get(manager.TagPropertyName));
        if (tags.GetValueOrDefault("stage") != ctx.Stage)
        {
            yield return $"tag stage is not {ctx.Stage}";
        }

        foreach (var key in StageLoader.RequiredTags.Where(k => !tags.ContainsKey(k)))
        {
            yield return $"tag {key} is missing";
        }

        if (r.Type == "AWS::AutoScaling::AutoScalingGroup"
            && r.Properties.Get("Tags").Items().Any(t => !t.Get("PropagateAtLaunch").IsTrue()))
        {
            yield return "an ASG tag does not PropagateAtLaunch";
        }

        if (r.Type == "AWS::EC2::LaunchTemplate" && r.Properties.At("LaunchTemplateData", "ImageId") is not null)
        {
            var tagged = r.Properties.At("LaunchTemplateData", "TagSpecifications").Items().Select(s => s.Get("ResourceType").Text()).ToHashSet();
            foreach (var kind in LaunchTagged.Where(k => !tagged.Contains(k)))
            {
                yield return $"TagSpecifications do not tag the {kind}";
            }
        }

        if (r.Type == "AWS::RDS::DBInstance" && !r.Properties.Get("CopyTagsToSnapshot").IsTrue())
        {
            yield return "CopyTagsToSnapshot is not true";
        }
    }

    /// <summary>Tags as CloudFormation carries them: a list of Key/Value pairs or (e.g. SSM parameters) a map.</summary>
    private static Dictionary<string, string?> Read(JsonNode? tags) => tags switch
    {
        JsonArray list => list.Where(t => t.Get("Key").Text() is not null)
            .GroupBy(t => t.Get("Key").Text()!).ToDictionary(g => g.Key, g => g.Last().Get("Value").Text()),
        JsonObject map => map.ToDictionary(p => p.Key, p => p.Value.Text()),
        _ => [],
    };
}

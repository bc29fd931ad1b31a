using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Loyalty.Infra.PolicyGate;

/// <summary>
/// The policy gate (infra/POLICY.md): visits every L1 resource of a stack and reports each rule's faults through
/// <see cref="Annotations"/>. Errors always fail synth. Warnings are printed in dev and, because prod must not
/// ship with any, are raised as errors in prod: the CDK CLI and the tests then fail on them alike.
/// Add it last: aspects of one node run in the order added, and the gate must see the stack's tags.
/// </summary>
public sealed class PolicyAspect : DeputyBase, IAspect
{
    private readonly PolicyStage stage;
    private readonly IReadOnlyList<PolicyRule> rules;
    private readonly IReadOnlyList<PolicySuppression> suppressions;
    private PolicyContext? context;

    public PolicyAspect(PolicyStage stage, IReadOnlyList<PolicyRule> rules, IEnumerable<PolicySuppression> suppressions)
    {
        this.stage = stage;
        this.rules = rules;
        this.suppressions = suppressions.Where(s => s.Stage == stage.Name).ToList();
    }

    /// <summary>The gate of a real stage: every implemented rule and that stage's recorded suppressions.</summary>
    public static PolicyAspect For(StageConfig stage) => new(PolicyStage.Of(stage), PolicyRules.All, PolicySuppressions.All);

    public void Visit(IConstruct node)
    {
        if (node is Stack stack)
        {
            CheckSuppressions(stack);

            // What must exist somewhere in the stack is checked on the stack itself, against a view read now: a rule
            // there may only look at what other aspects do not change later (the bank tag is set on the L1 itself).
            var view = new PolicyContext(stage, () => Resources(stack));
            Check(new PolicyResource(null, PolicyResource.StackType, stack.Node.Path, "", []), view, stack);
            return;
        }

        if (node is not CfnResource cfn)
        {
            return;
        }

        // The resource is read at its own visit, after the aspects of its parents (e.g. CDK's IMDSv2 aspect, which
        // adds a launch template) have run. Cross-resource rules (flow log of a VPC, key of a DB) look the other side
        // up in the stack-wide view, rebuilt when a resource appeared since it was built.
        var resource = Read(cfn);
        context ??= new PolicyContext(stage, () => Resources(Stack.Of(cfn)));
        if (!context.Resources.Any(r => r.Path == resource.Path))
        {
            context.Reload();
        }

        Check(resource, context, cfn);
    }

    private void Check(PolicyResource resource, PolicyContext view, IConstruct node)
    {
        foreach (var rule in rules)
        {
            var faults = rule.Check(resource, view).ToList();
            if (suppressions.Any(s => s.RuleId == rule.Id && s.Path == resource.Path))
            {
                if (faults.Count == 0)
                {
                    Annotations.Of(node).AddError($"Policy suppression {rule.Id} at {resource.Path} is stale: the rule finds nothing there. Fix: remove the suppression.");
                }

                continue;
            }

            foreach (var fault in faults)
            {
                var message = $"{rule.Id} {rule.SeverityWord} {resource.Path}: {fault}. Fix: {rule.Fix}";
                if (rule.Severity == Severity.Error || stage.IsProduction)
                {
                    Annotations.Of(node).AddError(message);
                }
                else
                {
                    Annotations.Of(node).AddWarningV2(rule.Id, message);
                }
            }
        }
    }

    private static List<PolicyResource> Resources(Stack stack) => [.. stack.Node.FindAll().OfType<CfnResource>().Select(Read)];

    /// <summary>A suppression that cannot be trusted fails synth, so none go stale.</summary>
    private void CheckSuppressions(Stack stack)
    {
        // Only resources (and the stack) are checked, so a suppression elsewhere would silence nothing.
        var paths = stack.Node.FindAll().Where(c => c is CfnResource or Stack).Select(c => c.Node.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var s in suppressions)
        {
            if (!rules.Any(r => r.Id == s.RuleId))
            {
                Annotations.Of(stack).AddError($"Policy suppression of unknown rule {s.RuleId} at {s.Path}. Fix: name an implemented rule id.");
            }

            if (s.Reason.Trim().Length < PolicySuppression.MinReasonLength)
            {
                Annotations.Of(stack).AddError($"Policy suppression {s.RuleId} at {s.Path} has no reason of at least {PolicySuppression.MinReasonLength} characters. Fix: say why the rule does not apply.");
            }

            if (!paths.Contains(s.Path))
            {
                Annotations.Of(stack).AddError($"Policy suppression {s.RuleId} matches no resource path {s.Path}. Fix: give the exact path of the L1 resource (…/Resource) or remove the suppression.");
            }
        }
    }

    private static PolicyResource Read(CfnResource cfn)
    {
        var stack = Stack.Of(cfn);

        // The L1's own inspector yields its properties as CloudFormation will render them (camelCase keys);
        // resolving turns tokens into Ref/GetAtt. Raw AddPropertyOverride values are not seen: rules must not
        // depend on overrides.
        var inspector = new TreeInspector();
        object? raw = null;
        if (cfn is IInspectable inspectable)
        {
            inspectable.Inspect(inspector);
            raw = inspector.Attributes.TryGetValue("aws:cdk:cloudformation:props", out var props) ? props : null;
        }

        var resolved = raw is null ? null : stack.Resolve(raw);
        var json = JsonSerializer.SerializeToNode(resolved) as JsonObject ?? [];
        var logicalId = stack.Resolve(stack.GetLogicalId(cfn)) as string ?? cfn.LogicalId;
        return new PolicyResource(cfn, cfn.CfnResourceType, cfn.Node.Path, logicalId, json);
    }
}

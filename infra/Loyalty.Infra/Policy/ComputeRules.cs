using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Loyalty.Infra.PolicyGate;

public static partial class ComputeRules
{
    public static readonly PolicyRule Imdsv2 = new(
        "LOY-CMP-1", Severity.Error, "Compute", "Blocks SSRF theft of role credentials",
        "set RequireImdsv2 = true (launch template HttpTokens required, hop limit 1)",
        Imdsv2Faults);

    public static readonly PolicyRule EncryptedDisks = new(
        "LOY-CMP-2", Severity.Error, "Compute", "Disks and AMI snapshots at rest",
        "map the root device explicitly with BlockDeviceVolume.Ebs(..., new EbsDeviceOptions { Encrypted = true })",
        DiskFaults);

    public static readonly PolicyRule GoldenAmiPrivateHosts = new(
        "LOY-CMP-3", Severity.Error, "Compute", "Golden AMI only; app hosts not addressable",
        "give the AutoScalingGroup a LaunchTemplate whose MachineImage is the Image Builder image's ImageId, AssociatePublicIpAddress = false, and private subnets (only the bastion is public)",
        GoldenAmiFaults);

    public static readonly PolicyRule NoSecretsInTemplates = new(
        "LOY-CMP-4", Severity.Error, "Compute", "Templates and AMIs leak",
        "keep credentials out of user data, Image Builder components and parameters: read them at boot from Secrets Manager "
        + "(the instance role may get the one secret it needs)",
        SecretFaults);

    private static IEnumerable<string> SecretFaults(PolicyResource r, PolicyContext ctx)
    {
        JsonNode? scanned = r.Type switch
        {
            "AWS::EC2::Instance" => r.Properties.Get("UserData"),
            "AWS::EC2::LaunchTemplate" => r.Properties.At("LaunchTemplateData", "UserData"),
            "AWS::ImageBuilder::Component" => r.Properties.Get("Data"),
            "AWS::SSM::Parameter" => r.Properties.Get("Value"),
            "AWS::Lambda::Function" => r.Properties.At("Environment", "Variables"),
            _ => null,
        };
        if (scanned is null)
        {
            yield break;
        }

        var text = string.Join("\n", Literals(scanned));
        foreach (var (pattern, what) in SecretPatterns)
        {
            if (pattern.IsMatch(text))
            {
                yield return $"{what} is written into the template";
            }
        }
    }

    private static readonly (Regex Pattern, string What)[] SecretPatterns =
    [
        (AwsAccessKeyId(), "an AWS access key id"),
        (PrivateKey(), "a private key"),
        (SecretAssignment(), "a literal password= or secret= value"),
    ];

    [GeneratedRegex(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex(@"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----")]
    private static partial Regex PrivateKey();

    // A value that is written out, not one fetched at run time ($(aws ...), ${VAR}) or a reference ({{resolve:...}}).
    [GeneratedRegex(@"(?i)\b(password|secret)\s*=\s*[^\s$""'{]")]
    private static partial Regex SecretAssignment();

    /// <summary>Every string in a property, user data decoded: a literal base64 block is read as the script it encodes.</summary>
    private static IEnumerable<string> Literals(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var text in o.SelectMany(p => Literals(p.Value)))
                {
                    yield return text;
                }

                break;
            case JsonArray a:
                foreach (var text in a.SelectMany(Literals))
                {
                    yield return text;
                }

                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                yield return s;
                if (Decoded(s) is { } decoded)
                {
                    yield return decoded;
                }

                break;
        }
    }

    private static string? Decoded(string s)
    {
        var buffer = new byte[s.Length];
        return s.Length >= 8 && Convert.TryFromBase64String(s, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }

    private static IEnumerable<string> GoldenAmiFaults(PolicyResource r, PolicyContext ctx)
    {
        switch (r.Type)
        {
            case "AWS::AutoScaling::LaunchConfiguration":
                yield return "an AWS::AutoScaling::LaunchConfiguration is used instead of a launch template";
                break;
            case "AWS::AutoScaling::AutoScalingGroup":
                var spec = r.Properties.Get("LaunchTemplate");
                if (spec is null || ctx.Target(spec.Get("LaunchTemplateId")) is null && spec.Get("LaunchTemplateName") is null)
                {
                    yield return "the group does not use a LaunchTemplate";
                }

                foreach (var subnet in r.Properties.Get("VPCZoneIdentifier").Items().Select(ctx.Target).Where(s => s is not null && IsPublic(s, ctx)))
                {
                    yield return $"the group launches into the public subnet {subnet!.LogicalId}";
                }

                break;
            case "AWS::EC2::LaunchTemplate":
                if (r.Properties.At("LaunchTemplateData", "NetworkInterfaces").Items().Any(n => n.Get("AssociatePublicIpAddress").IsTrue()))
                {
                    yield return "a network interface has AssociatePublicIpAddress true";
                }

                var usedByGroup = ctx.OfType("AWS::AutoScaling::AutoScalingGroup")
                    .Any(g => Cfn.ReferencedId(g.Properties.At("LaunchTemplate", "LaunchTemplateId")) == r.LogicalId);
                if (usedByGroup && ctx.Target(r.Properties.At("LaunchTemplateData", "ImageId"))?.Type != "AWS::ImageBuilder::Image")
                {
                    yield return "the group's launch template ImageId is not the ImageId of an AWS::ImageBuilder::Image of this stack";
                }

                break;
        }
    }

    /// <summary>A subnet that gives public addresses or routes 0.0.0.0/0 to an internet gateway.</summary>
    private static bool IsPublic(PolicyResource subnet, PolicyContext ctx)
    {
        return subnet.Properties.Get("MapPublicIpOnLaunch").IsTrue()
            || ctx.RoutesOf(subnet.LogicalId).Any(route => ctx.Target(route.Properties.Get("GatewayId"))?.Type == "AWS::EC2::InternetGateway");
    }

    private static IEnumerable<string> Imdsv2Faults(PolicyResource r, PolicyContext ctx)
    {
        switch (r.Type)
        {
            case "AWS::EC2::LaunchTemplate":
                var options = r.Properties.At("LaunchTemplateData", "MetadataOptions");
                if (options.Get("HttpTokens").Text() != "required")
                {
                    yield return "LaunchTemplateData.MetadataOptions.HttpTokens is not required";
                }

                if (options.Get("HttpPutResponseHopLimit").Number() is > 1)
                {
                    yield return "HttpPutResponseHopLimit is above 1";
                }

                break;
            case "AWS::EC2::Instance":
                var template = LaunchTemplateOf(r, ctx);
                var viaTemplate = template?.Properties.At("LaunchTemplateData", "MetadataOptions", "HttpTokens").Text() == "required";
                if (r.Properties.At("MetadataOptions", "HttpTokens").Text() != "required" && !viaTemplate)
                {
                    yield return "the instance neither requires IMDSv2 tokens nor uses a launch template that does";
                }

                break;
        }
    }

    private static IEnumerable<string> DiskFaults(PolicyResource r, PolicyContext ctx)
    {
        JsonNode? mappings = r.Type switch
        {
            "AWS::EC2::Instance" => r.Properties.Get("BlockDeviceMappings"),
            "AWS::EC2::LaunchTemplate" => r.Properties.At("LaunchTemplateData", "BlockDeviceMappings"),
            "AWS::ImageBuilder::ImageRecipe" => r.Properties.Get("BlockDeviceMappings"),
            _ => null,
        };
        if (r.Type == "AWS::EC2::Volume" && !r.Properties.Get("Encrypted").IsTrue())
        {
            yield return "the volume is not Encrypted";
        }

        if (r.Type is not ("AWS::EC2::Instance" or "AWS::EC2::LaunchTemplate" or "AWS::ImageBuilder::ImageRecipe"))
        {
            yield break;
        }

        // A launch template an instance uses (CDK's IMDSv2 template) carries no disks: the instance maps its own.
        var usedByInstance = r.Type == "AWS::EC2::LaunchTemplate" && ctx.OfType("AWS::EC2::Instance")
            .Any(i => LaunchTemplateOf(i, ctx)?.LogicalId == r.LogicalId);
        if (r.Type != "AWS::ImageBuilder::ImageRecipe" && !usedByInstance && !mappings.Items().Any())
        {
            yield return "the root device is not mapped explicitly, so its encryption is left to the AMI";
        }

        foreach (var ebs in mappings.Items().Select(m => m.Get("Ebs")).Where(e => e is not null && !e.Get("Encrypted").IsTrue()))
        {
            yield return "an Ebs block device mapping is not Encrypted";
        }
    }

    /// <summary>
    /// The launch template an instance names: by id, or, as CDK's IMDSv2 aspect does, by name with the version
    /// taken from the template (<c>Fn::GetAtt [template, LatestVersionNumber]</c>).
    /// </summary>
    private static PolicyResource? LaunchTemplateOf(PolicyResource instance, PolicyContext ctx)
    {
        var spec = instance.Properties.Get("LaunchTemplate");
        var byReference = ctx.Target(spec.Get("LaunchTemplateId")) ?? ctx.Target(spec.Get("Version")) ?? ctx.Target(spec.Get("LaunchTemplateName"));
        var name = spec.Get("LaunchTemplateName").Text();
        return byReference ?? ctx.OfType("AWS::EC2::LaunchTemplate")
            .FirstOrDefault(t => name is not null && t.Properties.Get("LaunchTemplateName").Text() == name);
    }
}

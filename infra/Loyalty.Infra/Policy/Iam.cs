using System.Text.Json.Nodes;

namespace Loyalty.Infra.PolicyGate;

/// <summary>Reading IAM policy documents as CloudFormation renders them.</summary>
public static class Iam
{
    public static IEnumerable<JsonNode?> Statements(JsonNode? document) => Many(document.Get("Statement"));

    /// <summary>A one-or-many policy field (Action, Resource) as a list of nodes.</summary>
    public static IEnumerable<JsonNode?> Many(JsonNode? node) => node switch
    {
        JsonArray a => a,
        null => Array.Empty<JsonNode?>(),
        _ => new[] { node },
    };

    /// <summary>
    /// A Deny of <paramref name="action"/> when aws:SecureTransport is false; for buckets it must cover both the bucket
    /// and its objects (a resource ending in <c>/*</c>).
    /// </summary>
    public static bool DeniesInsecureTransport(JsonNode? document, string action, bool objects = false) =>
        Statements(document).Any(s =>
            s.Get("Effect").Text() == "Deny"
            && Many(s.Get("Action")).Any(a => a.Text() == action)
            && s.At("Condition", "Bool", "aws:SecureTransport").Text() == "false"
            && (!objects || (Many(s.Get("Resource")).Count() >= 2 && Many(s.Get("Resource")).Any(r => r?.ToJsonString().Contains("/*", StringComparison.Ordinal) == true))));

    /// <summary>Whether a statement's principal is everyone: <c>"*"</c> or <c>{"AWS": "*"}</c>.</summary>
    public static bool IsPublicPrincipal(JsonNode? statement)
    {
        var principal = statement.Get("Principal");
        return principal.Text() == "*" || Many(principal.Get("AWS")).Any(p => p.Text() == "*");
    }
}

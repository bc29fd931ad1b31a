namespace Loyalty.Core;

/// <summary>
/// The problem types (RFC 9457) that leave the process: the API's own, and the one its load balancer answers with
/// for paths it does not forward, so a caller sees the same 404 from either.
/// </summary>
public static class ProblemTypes
{
    public const string BaseUri = "https://loyalty.example.com/problems/";

    public const string NotFound = BaseUri + "not-found";
}

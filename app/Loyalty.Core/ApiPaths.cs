namespace Loyalty.Core;

/// <summary>The paths the API serves to the internet: the app maps them, the load balancer forwards only them.</summary>
public static class ApiPaths
{
    /// <summary>The versioned API the banks call; every route under it requires a bank's token.</summary>
    public const string V1 = "/v1";

    /// <summary>The API reference page, and the OpenAPI document it reads: forwarded only where the stage says so.</summary>
    public const string Docs = "/docs";

    public const string OpenApi = "/openapi";
}

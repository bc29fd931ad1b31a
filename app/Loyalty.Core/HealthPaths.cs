namespace Loyalty.Core;

/// <summary>
/// The API's health endpoints, one home for the app that maps them and the estate that probes them.
/// </summary>
public static class HealthPaths
{
    /// <summary>
    /// The process serves: it started, so its catalogue is loaded. Never touches the database, so the load balancer
    /// keeps a fleet whose database fails over (its requests get 503 until it is back) instead of replacing it.
    /// </summary>
    public const string Live = "/health/live";

    /// <summary>Live, and the database answers: what a new instance must reach before a rollout counts it.</summary>
    public const string Ready = "/health/ready";
}

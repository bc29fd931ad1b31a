using Loyalty.Api.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Loyalty.Api.Features.Operations;

/// <summary>Which instance answered, echoing the caller's trace id: for load-balancer tests and the load generator.</summary>
[OpenApiExample("""{"instanceId":"i-0abc123def4567890","traceId":"lb-test-000017"}""")]
public sealed record InstanceInfo(string InstanceId, string? TraceId);

public sealed class InstanceOptions
{
    public const string Section = "Instance";

    /// <summary>Overrides the detected id (the local cluster names its processes).</summary>
    public string? Id { get; set; }
}

public static partial class OperationsEndpoints
{
    private const int MaxTraceIdLength = 128;

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/instance", GetInstance)
            .WithTags("Operations")
            .WithName(nameof(GetInstance))
            .WithSummary("The instance that served this request")
            .AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    public static Results<Ok<InstanceInfo>, ProblemHttpResult> GetInstance(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "trace_id")] string? traceId, InstanceIdentity instance, ILogger<InstanceIdentity> logger)
    {
        if (traceId is { Length: > MaxTraceIdLength })
        {
            return Infrastructure.Problems.Malformed($"trace_id is longer than {MaxTraceIdLength} characters.", "trace_id");
        }

        LogServed(logger, instance.Id, traceId);
        return TypedResults.Ok(new InstanceInfo(instance.Id, traceId));
    }

    [LoggerMessage(EventId = 2001, EventName = "InstanceServed", Level = LogLevel.Information,
        Message = "Instance {InstanceId} served trace {TraceId}")]
    private static partial void LogServed(ILogger logger, string instanceId, string? traceId);
}

/// <summary>
/// The instance id, resolved once: configured, else the EC2 instance id that Nitro hosts expose through
/// DMI (no network call to the metadata service on the request path), else the host name.
/// </summary>
public sealed class InstanceIdentity(Microsoft.Extensions.Options.IOptions<InstanceOptions> options)
{
    private const string Ec2AssetTag = "/sys/devices/virtual/dmi/id/board_asset_tag";

    public string Id { get; } = options.Value.Id is { Length: > 0 } configured ? configured
        : ReadEc2InstanceId() ?? Environment.MachineName;

    private static string? ReadEc2InstanceId()
    {
        try
        {
            return File.Exists(Ec2AssetTag) && File.ReadAllText(Ec2AssetTag).Trim() is { } tag && tag.StartsWith("i-", StringComparison.Ordinal)
                ? tag
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

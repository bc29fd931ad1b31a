namespace Loyalty.Api.Infrastructure.OpenApi;

/// <summary>
/// The example the OpenAPI document shows for a request or response shape, written as the JSON a bank sends or
/// receives; it sits on the record it illustrates, so a new record brings its own.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OpenApiExampleAttribute(string json) : Attribute
{
    public string Json { get; } = json;
}

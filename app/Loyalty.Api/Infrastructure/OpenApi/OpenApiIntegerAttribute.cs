namespace Loyalty.Api.Infrastructure.OpenApi;

/// <summary>
/// Documents a property read as raw JSON (so a wrong type gets the domain's own error code) as the 64-bit integer
/// it must be.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class OpenApiIntegerAttribute(string description) : Attribute
{
    public string Description { get; } = description;
}

using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace Loyalty.Api.Infrastructure.OpenApi;

/// <summary>
/// The example of a schema: the <see cref="OpenApiExampleAttribute"/> on the record, or for the framework's
/// problem details the one below.
/// </summary>
public static class OpenApiExamples
{
    private const string Problem = """
        {"type":"https://loyalty.example.com/problems/validation-failed","title":"The request has invalid fields.",
         "status":422,"detail":"1 field(s) failed validation: amount (AMOUNT_NOT_MULTIPLE).",
         "errors":[{"field":"amount","code":"AMOUNT_NOT_MULTIPLE"}],"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
        """;

    public static JsonNode? For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var json = type == typeof(ProblemDetails) ? Problem : type.GetCustomAttribute<OpenApiExampleAttribute>()?.Json;
        return json is null ? null : JsonNode.Parse(json);
    }
}

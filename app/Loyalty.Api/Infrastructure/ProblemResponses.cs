using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Loyalty.Api.Infrastructure;

/// <summary>
/// Writes every problem as application/problem+json, whatever the request's Accept header says. The framework's
/// writer declines when Accept names neither JSON type, and then status code pages answer text/plain and the
/// exception handler answers with no body at all; an API whose errors are a contract cannot let the client's
/// header choose a different one (RFC 9110 lets a server disregard Accept).
/// </summary>
public sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public const string ContentType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => !context.HttpContext.Response.HasStarted;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var details = context.ProblemDetails;
        details.Status ??= http.Response.StatusCode;
        details.Title ??= ReasonPhrases.GetReasonPhrase(details.Status.Value) is { Length: > 0 } phrase ? phrase : "Error";
        details.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(
            details, jsonOptions.Value.SerializerOptions.GetTypeInfo(details.GetType()), ContentType, http.RequestAborted));
    }
}

/// <summary>
/// Refuses a JSON body declared in any charset but UTF-8 before the endpoint reads it: the framework's reader
/// throws on charsets it does not know (utf-7, made-up names), which would surface as a 500, and JSON between
/// systems is UTF-8 anyway (RFC 8259).
/// </summary>
public static class JsonCharsetGuard
{
    public static IApplicationBuilder UseJsonCharsetGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null
            && MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            && mediaType.Charset is { Length: > 0 } declared
            && HeaderUtilities.RemoveQuotes(declared).Value is var charset
            && !string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(charset, "utf8", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Detail = "Send the body as application/json in UTF-8.",
                },
            });
            return;
        }

        await next(context);
    });
}

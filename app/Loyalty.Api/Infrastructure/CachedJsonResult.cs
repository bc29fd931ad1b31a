using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Loyalty.Api.Infrastructure;

/// <summary>A pre-serialised JSON response and its strong ETag.</summary>
public sealed record CachedJson(byte[] Body, string ETag)
{
    public static CachedJson Of<T>(T value, JsonSerializerOptions json)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, json);
        return new CachedJson(body, $"\"{Convert.ToBase64String(SHA256.HashData(body), 0, 18).Replace('+', '-').Replace('/', '_')}\"");
    }
}

/// <summary>
/// Writes pre-serialised JSON with its strong ETag, or 304 when the client's <c>If-None-Match</c> already
/// holds it. <typeparamref name="T"/> is the shape of the bytes, declared for the OpenAPI document.
/// </summary>
public sealed class CachedJsonResult<T>(CachedJson json) : IResult, IEndpointMetadataProvider
{
    // Per-bank content behind auth: shared caches must not keep it, and the bank's own may for a while.
    private const string CacheControl = "private, max-age=300";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = json.ETag;
        response.Headers.CacheControl = CacheControl;
        response.Headers.Vary = HeaderNames.Authorization;
        if (Matches(httpContext.Request.Headers.IfNoneMatch, json.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = json.Body.Length;
        await response.Body.WriteAsync(json.Body, httpContext.RequestAborted);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider requires a static member.")]
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
    }

    /// <summary>RFC 9110 §13.1.2: weak comparison, a list of tags, or <c>*</c>.</summary>
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var header in ifNoneMatch)
        {
            foreach (var candidate in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
                if (tag == "*" || tag == etag)
                {
                    return true;
                }
            }
        }

        return false;
    }
}

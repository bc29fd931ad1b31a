using System.Text.Json;
using Loyalty.Api.Infrastructure.Database;
using Microsoft.AspNetCore.Diagnostics;

namespace Loyalty.Api.Infrastructure;

/// <summary>
/// Turns request-reading failures (bad JSON, unknown properties, wrong types, oversized bodies) into
/// problem details that name the offending JSON path, and everything else into a 500 without internals.
/// </summary>
public sealed partial class ErrorHandler(IProblemDetailsService problems, ILogger<ErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail, field) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (
                StatusCodes.Status400BadRequest,
                json.Path is { Length: > 0 } path
                    ? $"The request body is not valid for this endpoint at '{path}': an unknown property, a value of the wrong type or broken JSON."
                    : "The request body is not valid JSON.",
                json.Path),
            BadHttpRequestException bad => (bad.StatusCode, BadRequestDetail(bad.StatusCode), null),
            _ when DatabaseFaults.IsUnavailable(exception) || DatabaseFaults.IsLockConflict(exception) => (
                StatusCodes.Status503ServiceUnavailable,
                "The database is briefly unavailable; nothing was changed unless the answer says so. Retry after the Retry-After seconds with the same bankReference.",
                null),
            _ => (StatusCodes.Status500InternalServerError, "The server failed to handle the request; it has been logged.", null),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogDatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path,
                exception is MySqlConnector.MySqlException database ? $"{database.ErrorCode}: {database.Message}" : $"{exception.GetType().Name}: {exception.Message}");
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        }
        else if (status >= StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail, Type = Problems.TypeFor(status) },
        };
        if (field is not null)
        {
            context.ProblemDetails.Extensions["field"] = field;
        }

        return await problems.TryWriteAsync(context);
    }

    private static string BadRequestDetail(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than this API accepts.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        _ => "The request could not be read.",
    };

    /// <summary>About what a Multi-AZ failover or a restart takes to come back.</summary>
    private const string RetryAfterSeconds = "5";

    [LoggerMessage(EventId = 5001, EventName = "DatabaseUnavailable", Level = LogLevel.Warning,
        Message = "Answered 503 to {Method} {Path}: the database is unavailable ({Reason})")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 5000, EventName = "UnhandledException", Level = LogLevel.Error,
        Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}

using Loyalty.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Loyalty.Api.Infrastructure;

/// <summary>One offending field of a request and the stable code that says what is wrong with it.</summary>
public sealed record FieldError(string Field, string Code);

/// <summary>
/// RFC 9457 problem details with a stable <c>type</c> URI per kind of error, so clients branch on the type,
/// never on the human-readable title or detail.
/// </summary>
public static class Problems
{
    public const string BaseUri = ProblemTypes.BaseUri;

    public const string ValidationFailedType = BaseUri + "validation-failed";
    public const string MalformedRequestType = BaseUri + "malformed-request";
    public const string NotFoundType = ProblemTypes.NotFound;
    public const string ReferenceConflictType = BaseUri + "reference-conflict";
    public const string InvalidStateType = BaseUri + "invalid-state";
    public const string UnauthorizedType = BaseUri + "unauthorized";
    public const string ForbiddenType = BaseUri + "forbidden";
    public const string RateLimitedType = BaseUri + "rate-limited";
    public const string PayloadTooLargeType = BaseUri + "payload-too-large";
    public const string UnsupportedMediaTypeType = BaseUri + "unsupported-media-type";
    public const string MethodNotAllowedType = BaseUri + "method-not-allowed";
    public const string UnavailableType = BaseUri + "service-unavailable";
    public const string InternalType = BaseUri + "internal-error";

    /// <summary>The type for problems written by the framework itself (auth challenges, routing, limits).</summary>
    public static string TypeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => MalformedRequestType,
        StatusCodes.Status401Unauthorized => UnauthorizedType,
        StatusCodes.Status403Forbidden => ForbiddenType,
        StatusCodes.Status404NotFound => NotFoundType,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowedType,
        StatusCodes.Status409Conflict => InvalidStateType,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLargeType,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaTypeType,
        StatusCodes.Status422UnprocessableEntity => ValidationFailedType,
        StatusCodes.Status429TooManyRequests => RateLimitedType,
        StatusCodes.Status503ServiceUnavailable => UnavailableType,
        _ => InternalType,
    };

    public static ProblemHttpResult ValidationFailed(IReadOnlyList<FieldError> errors) => TypedResults.Problem(
        type: ValidationFailedType,
        title: "The request has invalid fields.",
        detail: $"{errors.Count} field(s) failed validation: {string.Join(", ", errors.Select(e => $"{e.Field} ({e.Code})"))}.",
        statusCode: StatusCodes.Status422UnprocessableEntity,
        extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult Malformed(string detail, string? field = null) => TypedResults.Problem(
        type: MalformedRequestType,
        title: "The request is malformed.",
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest,
        extensions: field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        type: NotFoundType,
        title: "The resource does not exist.",
        detail: detail,
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult ReferenceConflict(string bankReference) => TypedResults.Problem(
        type: ReferenceConflictType,
        title: "The bank reference is already used with a different request.",
        detail: $"bankReference '{bankReference}' was accepted before with a different body; use a new reference.",
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?>
        {
            ["code"] = "REFERENCE_CONFLICT",
            ["errors"] = new[] { new FieldError("bankReference", "REFERENCE_CONFLICT") },
        });

    /// <summary>The <c>code</c> of an invalid-state problem: past pending.</summary>
    public const string NotPendingCode = "NOT_PENDING";

    /// <summary>The <c>code</c> of an invalid-state problem: still pending, but claimed into a file that is being sent.</summary>
    public const string BeingSubmittedCode = "BEING_SUBMITTED";

    public static ProblemHttpResult InvalidState(string detail, string status, string code) => TypedResults.Problem(
        type: InvalidStateType,
        title: "The transaction is not in a state that allows this.",
        detail: detail,
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["transactionStatus"] = status, ["code"] = code });
}

namespace Loyalty.Api.Features.Fulfilment;

/// <summary>
/// The states of a <c>batches</c> row: claimed (rows numbered, file maybe not yet sent) and submitted (file in
/// S3, rows submitted). A claimed batch is finished by the next export before anything new.
/// </summary>
public static class BatchStatus
{
    public const string Claimed = "claimed";
    public const string Submitted = "submitted";
}

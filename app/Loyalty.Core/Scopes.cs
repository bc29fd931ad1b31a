namespace Loyalty.Core;

/// <summary>
/// The OAuth scopes of the API: the API enforces them (each is also the name of its policy), the stage's Cognito
/// resource server defines them and the stage files grant them to banks by <see cref="Names"/>.
/// </summary>
public static class Scopes
{
    /// <summary>The Cognito resource server's identifier: tokens carry scopes as <c>loyalty/&lt;name&gt;</c>.</summary>
    public const string ResourceServer = "loyalty";

    public const string ProgrammesRead = ResourceServer + "/programmes.read";
    public const string MembersValidate = ResourceServer + "/members.validate";
    public const string AccrualsWrite = ResourceServer + "/accruals.write";
    public const string TransactionsRead = ResourceServer + "/transactions.read";

    public static readonly IReadOnlyList<string> All = [ProgrammesRead, MembersValidate, AccrualsWrite, TransactionsRead];

    /// <summary>The scopes without the resource server (<c>accruals.write</c>), as the stage files and the resource server name them.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(scope => scope[(ResourceServer.Length + 1)..])];

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [ProgrammesRead] = "Read the programme catalogue offered to the bank.",
        [MembersValidate] = "Check a member id and names against a programme's rules.",
        [AccrualsWrite] = "Request accruals and cancel pending ones.",
        [TransactionsRead] = "Read transactions and the event feed.",
    };
}

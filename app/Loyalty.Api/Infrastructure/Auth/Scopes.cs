namespace Loyalty.Api.Infrastructure.Auth;

/// <summary>The OAuth scopes of the Cognito resource server; each is also the name of its policy.</summary>
public static class Scopes
{
    public const string ProgrammesRead = "loyalty/programmes.read";
    public const string MembersValidate = "loyalty/members.validate";
    public const string AccrualsWrite = "loyalty/accruals.write";
    public const string TransactionsRead = "loyalty/transactions.read";

    public static readonly IReadOnlyList<string> All = [ProgrammesRead, MembersValidate, AccrualsWrite, TransactionsRead];

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [ProgrammesRead] = "Read the programme catalogue offered to the bank.",
        [MembersValidate] = "Check a member id and names against a programme's rules.",
        [AccrualsWrite] = "Request accruals and cancel pending ones.",
        [TransactionsRead] = "Read transactions and the event feed.",
    };
}

namespace Loyalty.Api.Domain.Catalogue;

public static class CatalogueSql
{
    public const string Programmes = """
        SELECT code AS Code, name AS Name, type AS Type, region AS Region, currency AS Currency,
               description AS Description, min_amount AS MinAmount, max_amount AS MaxAmount,
               amount_multiple AS AmountMultiple, promise_days AS PromiseDays, cutoff_utc AS CutoffUtc,
               enrolment_url AS EnrolmentUrl, name_rule AS NameRule,
               member_id_normalisation AS MemberIdNormalisation, member_id_pattern AS MemberIdPattern,
               member_id_check AS MemberIdCheck, member_id_hint AS MemberIdHint,
               file_kind AS FileKind, file_encoding AS FileEncoding
        FROM programmes
        WHERE active
        ORDER BY code
        """;

    public const string Banks = "SELECT code AS Code, name AS Name FROM banks ORDER BY code";

    public const string BankProgrammes = """
        SELECT bank_code AS BankCode, programme_code AS ProgrammeCode FROM bank_programmes ORDER BY bank_code, programme_code
        """;

    public const string BankClients = "SELECT client_id AS ClientId, bank_code AS BankCode FROM bank_clients";
}

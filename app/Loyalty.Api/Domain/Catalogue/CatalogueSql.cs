using Loyalty.Core;

namespace Loyalty.Api.Domain.Catalogue;

public static class CatalogueSql
{
    public const string UpsertProgramme = """
        INSERT INTO programmes (code, name, type, region, currency, description, min_amount, max_amount,
                                amount_multiple, promise_days, cutoff_utc, enrolment_url, name_rule,
                                member_id_normalisation, member_id_pattern, member_id_check, member_id_hint,
                                file_kind, file_encoding, active)
        VALUES (@Code, @Name, @Type, @Region, @Currency, @Description, @MinAmount, @MaxAmount,
                @AmountMultiple, @PromiseDays, @CutoffUtc, @EnrolmentUrl, @NameRule,
                @MemberIdNormalisation, @MemberIdPattern, @MemberIdCheck, @MemberIdHint,
                @FileKind, @FileEncoding, TRUE)
        ON DUPLICATE KEY UPDATE
            name = VALUES(name), type = VALUES(type), region = VALUES(region), currency = VALUES(currency),
            description = VALUES(description), min_amount = VALUES(min_amount), max_amount = VALUES(max_amount),
            amount_multiple = VALUES(amount_multiple), promise_days = VALUES(promise_days),
            cutoff_utc = VALUES(cutoff_utc), enrolment_url = VALUES(enrolment_url), name_rule = VALUES(name_rule),
            member_id_normalisation = VALUES(member_id_normalisation), member_id_pattern = VALUES(member_id_pattern),
            member_id_check = VALUES(member_id_check), member_id_hint = VALUES(member_id_hint),
            file_kind = VALUES(file_kind), file_encoding = VALUES(file_encoding)
        """;

    public const string ActiveProgrammes = "SELECT code FROM programmes WHERE active ORDER BY code";

    public const string Banks = "SELECT code AS Code, name AS Name FROM banks ORDER BY code";

    public const string BankProgrammes = """
        SELECT bank_code AS BankCode, programme_code AS ProgrammeCode FROM bank_programmes ORDER BY bank_code, programme_code
        """;

    public const string BankClients = "SELECT client_id AS ClientId, bank_code AS BankCode FROM bank_clients";
}

using Dapper;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using MySqlConnector;

namespace Loyalty.Api.Domain.Catalogue;

/// <summary>
/// Writes <see cref="ProgrammeDefinitions"/> into the <c>programmes</c> table on every migration run: new
/// programmes arrive active, existing rows take the definitions' values, and whether a programme is active
/// stays the database's to say.
/// </summary>
public sealed class CatalogueSync : IDatabaseSeed
{
    public Task SeedAsync(MySqlConnection connection, MySqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.ExecuteAsync(new CommandDefinition(CatalogueSql.UpsertProgramme,
            ProgrammeDefinitions.All.Select(Row), transaction, cancellationToken: cancellationToken));
    }

    private static object Row(Programme p) => new
    {
        p.Code,
        p.Name,
        p.Type,
        p.Region,
        p.Currency,
        p.Description,
        p.MinAmount,
        p.MaxAmount,
        p.AmountMultiple,
        p.PromiseDays,
        CutoffUtc = p.CutoffUtc.ToTimeSpan(),
        p.EnrolmentUrl,
        NameRule = PersonNames.ToCode(p.NameRule),
        MemberIdNormalisation = p.MemberIdRule.Normalisation,
        MemberIdPattern = p.MemberIdRule.Pattern,
        MemberIdCheck = p.MemberIdRule.CheckDigit,
        p.MemberIdHint,
        FileKind = PartnerFileFormats.Code(p.Exchange.Kind),
        FileEncoding = p.Exchange.Format.Encoding.WebName.ToUpperInvariant(),
    };
}

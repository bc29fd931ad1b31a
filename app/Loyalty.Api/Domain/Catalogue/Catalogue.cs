using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Dapper;
using Loyalty.Api.Infrastructure;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Core;
using Loyalty.Core.PartnerFiles;
using MySqlConnector;

namespace Loyalty.Api.Domain.Catalogue;

/// <summary>
/// An immutable snapshot of programmes, banks and token clients. The catalogue changes only by migration,
/// so it is read once at start and every catalogue response is served from bytes built here.
/// </summary>
public sealed class Catalogue
{
    private readonly FrozenDictionary<string, CachedJson> listByBank;
    private readonly FrozenDictionary<(string Bank, string Programme), CachedJson> itemByBank;

    public Catalogue(IEnumerable<Programme> programmes, IEnumerable<Bank> banks,
        IReadOnlyDictionary<string, string> clientBanks, JsonSerializerOptions json)
    {
        Programmes = programmes.ToFrozenDictionary(p => p.Code, StringComparer.Ordinal);
        Banks = banks.ToFrozenDictionary(b => b.Code, StringComparer.Ordinal);
        ClientBanks = clientBanks.ToFrozenDictionary(StringComparer.Ordinal);

        var lists = new Dictionary<string, CachedJson>(StringComparer.Ordinal);
        var items = new Dictionary<(string, string), CachedJson>();
        foreach (var bank in Banks.Values)
        {
            var offered = Programmes.Values
                .Where(p => bank.ProgrammeCodes.Contains(p.Code))
                .OrderBy(p => p.Code, StringComparer.Ordinal)
                .Select(ProgrammeView.From)
                .ToList();
            lists[bank.Code] = CachedJson.Of(new ProgrammeList(offered), json);
            foreach (var view in offered)
            {
                items[(bank.Code, view.Code)] = CachedJson.Of(view, json);
            }
        }

        listByBank = lists.ToFrozenDictionary(StringComparer.Ordinal);
        itemByBank = items.ToFrozenDictionary();
    }

    public FrozenDictionary<string, Programme> Programmes { get; }

    public FrozenDictionary<string, Bank> Banks { get; }

    public FrozenDictionary<string, string> ClientBanks { get; }

    public CachedJson ListFor(string bank) => listByBank[bank];

    public CachedJson? ItemFor(string bank, string programme) =>
        itemByBank.TryGetValue((bank, programme), out var item) ? item : null;

    /// <summary>The programme if it exists and this bank offers it.</summary>
    public Programme? Offered(string bank, string programme) =>
        Banks.TryGetValue(bank, out var b) && b.ProgrammeCodes.Contains(programme)
            && Programmes.TryGetValue(programme, out var p) ? p : null;
}

/// <summary>Holds the current catalogue snapshot; loaded by <see cref="LoadAsync"/> before traffic is served.</summary>
public sealed class CatalogueStore(MySqlDataSource dataSource, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    : IClientBanks
{
    private Catalogue? current;

    public Catalogue Current => Volatile.Read(ref current)
        ?? throw new InvalidOperationException("The catalogue has not been loaded yet.");

    public bool IsLoaded => Volatile.Read(ref current) is not null;

    public bool TryGetBank(string clientId, [NotNullWhen(true)] out string? bankCode) =>
        Current.ClientBanks.TryGetValue(clientId, out bankCode);

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var active = await connection.QueryAsync<string>(new CommandDefinition(CatalogueSql.ActiveProgrammes, cancellationToken: cancellationToken));
        var banks = await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(CatalogueSql.Banks, cancellationToken: cancellationToken));
        var offers = await connection.QueryAsync<(string BankCode, string ProgrammeCode)>(new CommandDefinition(CatalogueSql.BankProgrammes, cancellationToken: cancellationToken));
        var clients = await connection.QueryAsync<(string ClientId, string BankCode)>(new CommandDefinition(CatalogueSql.BankClients, cancellationToken: cancellationToken));

        var offersByBank = offers.ToLookup(o => o.BankCode, o => o.ProgrammeCode, StringComparer.Ordinal);
        var catalogue = new Catalogue(
            active.Select(Defined),
            banks.Select(b => new Bank(b.Code, b.Name, offersByBank[b.Code].ToFrozenSet(StringComparer.Ordinal))),
            clients.ToDictionary(c => c.ClientId, c => c.BankCode, StringComparer.Ordinal),
            json.Value.SerializerOptions);
        Volatile.Write(ref current, catalogue);
    }

    /// <summary>
    /// The start-up check: a programme the database offers must have a definition with a usable file exchange
    /// (its own, of a registered kind), or its accruals would be accepted and never sent.
    /// </summary>
    private static Programme Defined(string code)
    {
        if (!ProgrammeDefinitions.TryGet(code, out var programme))
        {
            throw new InvalidOperationException(
                $"Programme {code} is active in the database but not defined in ProgrammeDefinitions, so it has no file exchange; define it or deactivate it.");
        }

        if (programme.Exchange.ProgrammeCode != code || !PartnerFileFormats.IsRegistered(programme.Exchange.Kind))
        {
            throw new InvalidOperationException(
                $"Programme {code} has no usable file exchange: it names programme {programme.Exchange.ProgrammeCode} and file kind {programme.Exchange.Kind}.");
        }

        return programme;
    }
}

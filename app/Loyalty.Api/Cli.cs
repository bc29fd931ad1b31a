using System.CommandLine;
using Loyalty.Api.Domain.Catalogue;
using Loyalty.Api.Features.Fulfilment;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Infrastructure.Database;
using Loyalty.Core;
using Microsoft.Extensions.Options;

namespace Loyalty.Api;

/// <summary>One-shot commands of the same binary: <c>migrate</c>, the development <c>token</c> and <c>fulfilment</c>.</summary>
public static class Cli
{
    private static readonly string[] Commands = ["migrate", "token", "fulfilment"];

    public static bool Handles(string[] args) => args.Length > 0 && Commands.Contains(args[0], StringComparer.Ordinal);

    public static Task<int> InvokeAsync(string[] args)
    {
        var migrate = new Command("migrate", "Apply pending database migrations and sync the stage's token clients, then exit.");
        migrate.SetAction(async (_, cancellationToken) =>
        {
            using var host = BuildHost();
            await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            return 0;
        });

        var bank = new Option<string>("--bank") { Description = "Bank code, e.g. HARB.", Required = true };
        var scopes = new Option<string[]>("--scopes")
        {
            Description = "Scopes to grant (default: all four).",
            AllowMultipleArgumentsPerToken = true,
        };
        var token = new Command("token", "Print a development access token for a bank (never in Production).") { bank, scopes };
        token.SetAction(parse =>
        {
            using var host = BuildHost();
            var bankCode = parse.GetValue(bank)!.ToUpperInvariant();
            var clients = host.Services.GetRequiredService<IOptions<BankClientOptions>>().Value.Clients;
            var clientId = clients.FirstOrDefault(c => c.Value == bankCode).Key;
            if (clientId is null)
            {
                Console.Error.WriteLine($"No token client is configured for bank '{bankCode}' (BankClients:Clients).");
                return 1;
            }

            var auth = host.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
            var granted = parse.GetValue(scopes) is { Length: > 0 } asked
                ? asked.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray()
                : [.. Scopes.All];
            var issuer = host.Services.GetRequiredService<DevelopmentIssuer>();
            Console.WriteLine(issuer.Mint(clientId, granted, TimeSpan.FromMinutes(auth.DevelopmentTokenMinutes)));
            return 0;
        });

        var root = new RootCommand("Loyalty API. Without a command it serves HTTP.") { migrate, token, FulfilmentCommands.Create(BuildHost) };
        return root.Parse(args).InvokeAsync();
    }

    private static IHost BuildHost() => BuildHost(withFulfilment: false);

    private static IHost BuildHost(bool withFulfilment)
    {
        // Settings sit beside the binary; the caller's working directory is wherever make was run.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddLoyaltyDatabase(builder.Configuration);
        builder.Services.AddCatalogue();
        builder.Services.AddTokenIssuerSettings(builder.Configuration);
        if (withFulfilment)
        {
            builder.Services.AddLoyaltyFulfilment(builder.Configuration, withWorker: false);
        }

        return builder.Build();
    }
}

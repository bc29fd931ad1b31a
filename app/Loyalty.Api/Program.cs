using Loyalty.Api;
using Loyalty.Api.Features.Accruals;
using Loyalty.Api.Features.Events;
using Loyalty.Api.Features.Members;
using Loyalty.Api.Features.Operations;
using Loyalty.Api.Features.Programmes;
using Loyalty.Api.Features.Transactions;
using Loyalty.Api.Infrastructure;

if (Cli.Handles(args))
{
    return await Cli.InvokeAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddLoyaltyApi();

var app = builder.Build();
app.UseLoyaltyApi();
app.MapOperations();
app.MapProgrammes();
app.MapMembers();
app.MapAccruals();
app.MapTransactions();
app.MapEvents();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the integration tests' host factory.</summary>
public partial class Program;

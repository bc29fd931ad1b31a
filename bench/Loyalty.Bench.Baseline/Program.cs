using System.Text.Json;
using Loyalty.Api.Domain.Events;
using Loyalty.Api.Domain.Transactions;
using MySqlConnector;

// The limits the API's HTTP paths are measured against, side by side in one run (bench/run.sh): the same work with
// nothing of the product around it.
//   GET  /catalogue  the bytes of a catalogue response (no token, no lookup)
//   POST /accrual    the very statements an accrual commits (transaction row and its event, one transaction), same driver
//   POST /insert     one raw autocommitted INSERT of a transaction-sized row (the second reference)
//   GET  /events     the feed's SELECT for one bank, a page of 100 after ?after=, rows written as JSON
//   GET  /events/unsequenced  how many of HARB's events have no feed position yet, and the highest position (the bench
//                    has the API sequence them before it measures the feed)
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var body = File.ReadAllBytes(builder.Configuration["CatalogueFile"] ?? throw new InvalidOperationException("CatalogueFile"));
var database = new MySqlDataSourceBuilder(builder.Configuration["ConnectionString"]
    ?? throw new InvalidOperationException("ConnectionString")).Build();
const string Bank = "HARB";

await using (var connection = await database.OpenConnectionAsync())
{
    await using var create = new MySqlCommand(RawInsert.CreateTable, connection);
    await create.ExecuteNonQueryAsync();
}

var app = builder.Build();
app.MapGet("/catalogue", () => Results.Bytes(body, "application/json"));
app.MapPost("/accrual", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    await request.Body.CopyToAsync(Stream.Null, cancellationToken);
    var now = DateTime.UtcNow;
    var id = Ulid.NewUlid().ToString();
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var create = new MySqlCommand(TransactionLifecycleSql.Create, connection);
    create.Parameters.AddWithValue("@TransactionId", id);
    create.Parameters.AddWithValue("@BankCode", Bank);
    create.Parameters.AddWithValue("@BankReference", id);
    create.Parameters.AddWithValue("@PayloadHash", new byte[32]);
    create.Parameters.AddWithValue("@ProgrammeCode", "CORV");
    create.Parameters.AddWithValue("@MemberId", "0047182902");
    create.Parameters.AddWithValue("@GivenName", "Jörg");
    create.Parameters.AddWithValue("@Surname", "Müller");
    create.Parameters.AddWithValue("@Amount", 12500L);
    create.Parameters.AddWithValue("@RequestedAt", now);
    create.Parameters.AddWithValue("@Now", now);
    create.Parameters.AddWithValue("@EventId", Ulid.NewUlid().ToString());
    create.Parameters.AddWithValue("@PreviousStatus", null);
    await create.ExecuteNonQueryAsync(cancellationToken);
    return Results.StatusCode(StatusCodes.Status201Created);
});
app.MapPost("/insert", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    using var reader = new StreamReader(request.Body);
    var json = await reader.ReadToEndAsync(cancellationToken);
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var insert = new MySqlCommand(RawInsert.Insert, connection);
    insert.Parameters.AddWithValue("@id", Guid.NewGuid().ToString("N")[..26]);
    insert.Parameters.AddWithValue("@reference", Guid.NewGuid().ToString("N"));
    insert.Parameters.AddWithValue("@payload", json);
    insert.Parameters.AddWithValue("@now", DateTime.UtcNow);
    await insert.ExecuteNonQueryAsync(cancellationToken);
    return Results.StatusCode(StatusCodes.Status201Created);
});
app.MapGet("/events", async (long after, HttpResponse response, CancellationToken cancellationToken) =>
{
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var feed = new MySqlCommand(EventsSql.Feed, connection);
    feed.Parameters.AddWithValue("@BankCode", Bank);
    feed.Parameters.AddWithValue("@After", after);
    feed.Parameters.AddWithValue("@Limit", 100);
    await using var reader = await feed.ExecuteReaderAsync(cancellationToken);
    response.ContentType = "application/json";
    await using var json = new Utf8JsonWriter(response.BodyWriter);
    json.WriteStartArray();
    while (await reader.ReadAsync(cancellationToken))
    {
        json.WriteStartObject();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            json.WritePropertyName(reader.GetName(i));
            switch (reader.GetValue(i))
            {
                case DBNull: json.WriteNullValue(); break;
                case long number: json.WriteNumberValue(number); break;
                case int number: json.WriteNumberValue(number); break;
                case DateTime time: json.WriteStringValue(time); break;
                case var value: json.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }

        json.WriteEndObject();
    }

    json.WriteEndArray();
});
app.MapGet("/events/unsequenced", async (CancellationToken cancellationToken) =>
{
    await using var connection = await database.OpenConnectionAsync(cancellationToken);
    await using var state = new MySqlCommand(
        "SELECT SUM(feed_position IS NULL), COALESCE(MAX(feed_position), 0) FROM events WHERE bank_code = @BankCode", connection);
    state.Parameters.AddWithValue("@BankCode", Bank);
    await using var reader = await state.ExecuteReaderAsync(cancellationToken);
    await reader.ReadAsync(cancellationToken);
    return Results.Text($"{(reader.IsDBNull(0) ? 0 : reader.GetInt64(0))} {reader.GetInt64(1)}\n");
});
app.Run();

internal static class RawInsert
{
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS bench_raw_insert (
          id CHAR(26) CHARACTER SET ascii NOT NULL PRIMARY KEY,
          reference VARCHAR(64) CHARACTER SET ascii NOT NULL UNIQUE,
          payload VARCHAR(1024) NOT NULL,
          created_at DATETIME(6) NOT NULL
        ) ENGINE=InnoDB
        """;

    public const string Insert = "INSERT INTO bench_raw_insert (id, reference, payload, created_at) VALUES (@id, @reference, @payload, @now)";
}

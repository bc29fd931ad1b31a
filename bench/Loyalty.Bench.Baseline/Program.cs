using MySqlConnector;

// The baselines the API is measured against, side by side in one run (bench/run.sh):
//   GET  /catalogue  the bytes of a catalogue response from a bare Kestrel endpoint (no auth, no lookup)
//   POST /insert     one raw INSERT of a transaction-sized row, autocommit, through the same driver
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var body = File.ReadAllBytes(builder.Configuration["CatalogueFile"] ?? throw new InvalidOperationException("CatalogueFile"));
var database = new MySqlDataSourceBuilder(builder.Configuration["ConnectionString"]
    ?? throw new InvalidOperationException("ConnectionString")).Build();

await using (var connection = await database.OpenConnectionAsync())
{
    await using var create = new MySqlCommand(RawInsert.CreateTable, connection);
    await create.ExecuteNonQueryAsync();
}

var app = builder.Build();
app.MapGet("/catalogue", () => Results.Bytes(body, "application/json"));
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

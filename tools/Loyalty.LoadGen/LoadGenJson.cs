using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loyalty.LoadGen;

/// <summary>Every JSON shape the generator reads or writes, camelCase like the API.</summary>
// Respecting nullability and required parameters turns a malformed catalogue into a JsonException at
// setup instead of a null deep inside a worker.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RequestRecord))]
[JsonSerializable(typeof(Summary))]
[JsonSerializable(typeof(CatalogueResponse))]
[JsonSerializable(typeof(MemberValidationBody))]
[JsonSerializable(typeof(AccrualBody))]
[JsonSerializable(typeof(AccrualAnswer))]
[JsonSerializable(typeof(Dictionary<string, MembersFileProgramme>))]
public sealed partial class LoadGenJson : JsonSerializerContext;

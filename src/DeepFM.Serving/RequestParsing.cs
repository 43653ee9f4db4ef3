using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using DeepFM.Data;
using DeepFM.Features;
using DeepFM.Preparation;

namespace DeepFM.Serving;

/// <summary>
/// Turns a predict body into encoded rows with the model's feature map, so every value is encoded exactly as in
/// training. Errors are <see cref="RequestException"/>s (400) that name the row (JSON: 0-based <c>rows[i]</c>; TSV:
/// 1-based line) and the field.
/// </summary>
internal static class RequestParsing
{
    /// <summary>
    /// <c>{"rows": [{"I1": 3, "C1": "68fd1e64", ...}, ...]}</c>. Categorical fields take a string (a number is taken as
    /// its JSON text, e.g. integer ids in a CSV column); numeric fields take a number; null or an absent key is a missing
    /// value. Booleans, arrays and objects as values, unknown fields and repeated fields are errors.
    /// </summary>
    public static void ParseJson(ReadOnlySpan<byte> body, LoadedModel model, int maxRows, EncodedRows rows)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty) throw Bad("empty body: expected {\"rows\": [...]}");
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        char[] chars = ArrayPool<char>.Shared.Rent(256);
        int[] seen = ArrayPool<int>.Shared.Rent(model.FeatureMap.FieldCount);
        try
        {
            Array.Clear(seen, 0, model.FeatureMap.FieldCount);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw Bad($"the body must be a JSON object {{\"rows\": [...]}}, not {Describe(reader.TokenType)}");
            bool sawRows = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (!reader.ValueTextEquals("rows"u8)) throw Bad($"unknown property {Quote(reader.GetString())}; expected \"rows\"");
                if (sawRows) throw Bad("\"rows\" appears twice");
                sawRows = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"\"rows\" must be an array of objects, not {Describe(reader.TokenType)}");
                ParseRows(ref reader, model, maxRows, rows, ref chars, seen);
            }
            // Reading past the object makes the reader reject trailing content other than whitespace.
            while (reader.Read()) { }
            if (!sawRows) throw Bad("missing \"rows\": expected {\"rows\": [...]}");
        }
        catch (JsonException e)
        {
            throw Bad($"malformed JSON: {e.Message}");
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException or ArgumentException || e.Message.Contains("transcode", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("surrogate", StringComparison.OrdinalIgnoreCase))
        {
            // Invalid UTF-8 bytes or an unpaired \uD800-style escape inside a string: the reader reports them only
            // when the string is decoded.
            throw Bad($"invalid text in a JSON string (invalid UTF-8 or an unpaired surrogate): {e.Message}");
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<int>.Shared.Return(seen);
        }
    }

    private static void ParseRows(ref Utf8JsonReader reader, LoadedModel model, int maxRows, EncodedRows rows, ref char[] chars, int[] seen)
    {
        var map = model.FeatureMap;
        for (int row = 0; ; row++)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return;
            if (row >= maxRows) throw Bad($"too many rows: more than {maxRows} (the server's --max-rows)");
            if (reader.TokenType != JsonTokenType.StartObject) throw Bad($"rows[{row}]: expected an object of field values, not {Describe(reader.TokenType)}");
            int r = rows.Add();
            var ids = rows.RowIds(r);
            var values = rows.RowValues(r);
            model.MissingIds.CopyTo(ids);
            model.MissingValues.CopyTo(values);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = Text(ref reader, ref chars);
                if (!model.FieldLookup.TryGetValue(name, out int f))
                    throw Bad($"rows[{row}]: unknown field {Quote(name.ToString())}; GET /v1/model lists the model's fields");
                // Stamped with row + 1, so the array needs no clearing between rows.
                if (seen[f] == row + 1) throw Bad($"rows[{row}]: field {map.Fields[f].Name} appears twice");
                seen[f] = row + 1;
                reader.Read();
                var field = map.Fields[f];
                switch (reader.TokenType)
                {
                    case JsonTokenType.Null:
                        break;
                    case JsonTokenType.String when field.Kind == FieldKind.Categorical:
                    case JsonTokenType.Number:
                        // Numbers are validated as training validates the field (Criteo I1–I13: integers; others: finite numbers).
                        if (reader.TokenType == JsonTokenType.Number && field.Kind == FieldKind.Numeric
                            && (map.Reader.Format == DataFormat.Criteo ? !NumericText.TryParseCriteoInteger(reader.ValueSpan, out _) : !NumericText.TryParseNumber(reader.ValueSpan, out _)))
                            throw Bad($"rows[{row}]: field {field.Name}: {Literal(reader.ValueSpan)} is not {(map.Reader.Format == DataFormat.Criteo ? "an integer (as in training, Criteo I fields are 64-bit integers)" : "a finite number")}");
                        if (!map.TryEncodeField(f, Text(ref reader, ref chars), out ids[f], out values[f]))
                            throw Bad($"rows[{row}]: field {field.Name}: not a number");
                        break;
                    case JsonTokenType.String:
                        throw Bad($"rows[{row}]: field {field.Name} is numeric: expected a number or null, not a string");
                    default:
                        throw Bad($"rows[{row}]: field {field.Name}: expected {(field.Kind == FieldKind.Categorical ? "a string" : "a number")} or null, not {Describe(reader.TokenType)}");
                }
            }
        }
    }

    /// <summary>The current token's text (property name, string unescaped, or a number's literal) as UTF-16.</summary>
    private static ReadOnlySpan<char> Text(ref Utf8JsonReader reader, ref char[] chars)
    {
        // UTF-8 never has fewer bytes than UTF-16 has chars, so the raw length bounds the text.
        // The reader runs over one contiguous body, so values never span segments.
        int need = reader.ValueSpan.Length;
        if (chars.Length < need)
        {
            ArrayPool<char>.Shared.Return(chars);
            chars = ArrayPool<char>.Shared.Rent(need);
        }
        if (reader.TokenType == JsonTokenType.Number)
        {
            Utf8.ToUtf16(reader.ValueSpan, chars, out _, out int written);
            return chars.AsSpan(0, written);
        }
        return chars.AsSpan(0, reader.CopyString(chars));
    }

    /// <summary>
    /// Raw Criteo TSV, one row per line: 40 tab-separated columns (a label first, which is ignored whatever it holds) or
    /// 39 (no label). Blank lines are skipped; '\r\n' line ends are accepted. Values are parsed by the training parser.
    /// </summary>
    public static void ParseTsv(ReadOnlySpan<byte> body, LoadedModel model, int maxRows, EncodedRows rows)
    {
        var map = model.FeatureMap;
        if (map.Reader.Format != DataFormat.Criteo)
            throw new RequestException(415, $"tab-separated rows are Criteo lines, but this model reads {map.Reader.Format.ToString().ToLowerInvariant()} input; send JSON rows");
        var encoder = new CriteoLineEncoder(map, "body line");
        const int Columns = CriteoLineEncoder.LabeledColumns;
        long lineNo = 0;
        while (!body.IsEmpty)
        {
            int nl = body.IndexOf((byte)'\n');
            var line = nl < 0 ? body : body[..nl];
            body = nl < 0 ? default : body[(nl + 1)..];
            lineNo++;
            if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
            if (line.IsEmpty) continue;
            int tabs = line.Count((byte)'\t');
            if (tabs == Columns - 1) line = line[(line.IndexOf((byte)'\t') + 1)..];
            else if (tabs != Columns - 2)
                throw Bad($"line {lineNo}: {tabs + 1} tab-separated columns; expected {Columns} (label first, ignored) or {Columns - 1} (no label)");
            if (rows.Count >= maxRows) throw Bad($"too many rows: more than {maxRows} (the server's --max-rows)");
            int r = rows.Add();
            try { encoder.Encode(line, lineNo, rows.RowIds(r), rows.RowValues(r)); }
            catch (DataFormatException e) { throw Bad(e.Message); }
        }
    }

    private static RequestException Bad(string message) => new(400, message);

    private static string Literal(ReadOnlySpan<byte> number) =>
        System.Text.Encoding.UTF8.GetString(number.Length > 40 ? number[..40] : number) + (number.Length > 40 ? "…" : "");

    private static string Quote(string? s) => s is null ? "null" : "\"" + (s.Length > 64 ? s[..64] + "…" : s) + "\"";

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };
}

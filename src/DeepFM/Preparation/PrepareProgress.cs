namespace DeepFM.Preparation;

/// <summary>How far a prepare has come: which pass, and how much of it is done (bytes of text read by a parsing pass,
/// rows written by the cache pass).</summary>
/// <param name="Pass">"reading" (pass 1: parse and count), "encoding" (pass 2 of data with multi-valued fields, which
/// parses again) or "writing" (pass 2: the cache).</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in the pass.</param>
/// <param name="InBytes">True when the units are bytes of text; false for rows.</param>
public readonly record struct PrepareProgress(string Pass, long Done, long Total, bool InBytes);

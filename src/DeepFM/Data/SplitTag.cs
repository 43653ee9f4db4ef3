namespace DeepFM.Data;

/// <summary>Which split a prepared row belongs to.</summary>
public enum SplitTag : byte
{
    /// <summary>Training row; only these feed the vocabularies.</summary>
    Train = 0,

    /// <summary>Validation row.</summary>
    Valid = 1,

    /// <summary>Test row.</summary>
    Test = 2,
}

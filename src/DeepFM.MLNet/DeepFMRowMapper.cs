using DeepFM.Data;
using DeepFM.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>
/// <see cref="DeepFMTransformer"/> as a row-to-row mapper, which <c>PredictionEngine</c> needs: each output row wraps
/// an input row and scores it when one of Score, Probability or PredictedLabel is first read at a new position. Each
/// row has its own batch and workspace, so rows (and the engines that hold them) can score at the same time over the
/// one shared model.
/// </summary>
internal sealed class DeepFMRowMapper : IRowToRowMapper
{
    private readonly DeepFMTransformer _parent;

    public DeepFMRowMapper(DeepFMTransformer parent, DataViewSchema inputSchema)
    {
        parent.CheckInput(inputSchema);
        _parent = parent;
        InputSchema = inputSchema;
        OutputSchema = ScoredDataView.OutputSchema(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        int n = InputSchema.Count;
        var columns = dependingColumns.ToList();
        var needed = columns.Where(c => c.Index < n).Select(c => InputSchema[c.Index]).ToList();
        if (columns.Any(c => c.Index >= n)) needed.AddRange(ColumnReader.Columns(InputSchema, _parent.CategoricalColumns, _parent.NumericColumns));
        return needed.DistinctBy(c => c.Index);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new ScoredRow(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class ScoredRow : DataViewRow
    {
        private readonly DeepFMRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly ColumnReader? _reader;
        private readonly Batch _batch;
        private readonly Workspace _workspace = new(isTraining: false, ComputeContext.Serial);
        private long _scoredPosition = long.MinValue;
        private float _logit, _probability;

        public ScoredRow(DeepFMRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            var parent = mapper._parent;
            _batch = new Batch(1, parent.Model.FeatureMap.FieldCount);
            if (active.Any(i => i >= mapper.InputSchema.Count)) _reader = new ColumnReader(input, parent.CategoricalColumns, parent.NumericColumns);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int n = _mapper.InputSchema.Count;
            if (column.Index < n) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            return ScoreColumns.Getter<TValue>(column, n, () => { Score(); return (_logit, _probability); });
        }

        /// <summary>Scores the input's current row once per position, however many of the three columns are read.</summary>
        private void Score()
        {
            long position = _input.Position;
            if (position == _scoredPosition) return;
            var parent = _mapper._parent;
            ScoreColumns.Encode(parent, _reader!, _batch, 0);
            _batch.Size = 1;
            _logit = parent.Model.Model.Forward(_batch, _workspace).Span[0];
            _probability = 1f / (1f + MathF.Exp(-_logit));
            _scoredPosition = position;
        }
    }
}

using DeepFM.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>The lazy output of <see cref="DeepFMTransformer.Transform"/>: the input's columns plus Score, Probability, PredictedLabel.</summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly DeepFMTransformer _parent;
    private readonly IDataView _input;

    public ScoredDataView(DeepFMTransformer parent, IDataView input)
    {
        _parent = parent;
        _input = input;
        Schema = OutputSchema(input.Schema);
    }

    public static DataViewSchema OutputSchema(DataViewSchema input)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        b.AddColumn("Score", NumberDataViewType.Single);
        b.AddColumn("Probability", NumberDataViewType.Single);
        b.AddColumn("PredictedLabel", BooleanDataViewType.Instance);
        return b.ToSchema();
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int n = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scores = needed.Any(i => i >= n);
        var inputColumns = needed.Where(i => i < n).Select(i => _input.Schema[i]).ToList();
        if (scores) inputColumns.AddRange(ColumnReader.Columns(_input.Schema, _parent.CategoricalColumns, _parent.NumericColumns));
        var cursor = _input.GetRowCursor(inputColumns.DistinctBy(c => c.Index), rand);
        return new Cursor(this, cursor, needed, scores);
    }

    // One cursor: the model's forward pass is not re-entrant, so parallel cursors would only queue on its lock.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoredDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly HashSet<int> _active;
        private readonly ColumnReader? _reader;
        private readonly Batch _batch;
        private long _scoredPosition = -1;
        private float _logit, _probability;

        public Cursor(ScoredDataView view, DataViewRowCursor input, HashSet<int> active, bool scores)
        {
            _view = view;
            _input = input;
            _active = active;
            var map = view._parent.Model.FeatureMap;
            _batch = new Batch(1, map.FieldCount);
            if (scores) _reader = new ColumnReader(input, view._parent.CategoricalColumns, view._parent.NumericColumns);
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int n = _view._input.Schema.Count;
            if (column.Index < n) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            Delegate getter = (column.Index - n) switch
            {
                0 => (ValueGetter<float>)((ref float v) => { Score(); v = _logit; }),
                1 => (ValueGetter<float>)((ref float v) => { Score(); v = _probability; }),
                _ => (ValueGetter<bool>)((ref bool v) => { Score(); v = _probability > 0.5f; }),
            };
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        /// <summary>Encodes and scores the current row once, however many of the three columns are read.</summary>
        private void Score()
        {
            if (_scoredPosition == _input.Position) return;
            var map = _view._parent.Model.FeatureMap;
            var reader = _reader!;
            int cats = _view._parent.CategoricalColumns.Count;
            for (int f = 0; f < map.FieldCount; f++)
            {
                if (f < cats) map.TryEncodeField(f, reader.Text(f), out _batch.IdBuffer[f], out _batch.ValueBuffer[f]);
                else map.EncodeNumber(f, reader.Number(f - cats), out _batch.IdBuffer[f], out _batch.ValueBuffer[f]);
            }
            _batch.Size = 1;
            var model = _view._parent.Model.Model;
            lock (model) _logit = model.Forward(_batch).Span[0];
            _probability = 1f / (1f + MathF.Exp(-_logit));
            _scoredPosition = _input.Position;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}

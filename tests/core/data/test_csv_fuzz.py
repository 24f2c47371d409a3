"""Property-based fuzz of the CSV reader: any bytes give a dataset or a DataError."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrstudio.core.data.table_conventions import read_conventions
from nrstudio.core.data.table_io import dataset_from_raw, read_csv_bytes
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError


def read_any(data: bytes) -> None:
    try:
        ds = dataset_from_raw(read_conventions(read_csv_bytes(data)))
    except DataError as exc:
        assert str(exc)  # a message for the user, never empty
        return
    validate_dataset(ds)  # whatever was read can be validated without crashing
    ds.sample_ids()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    read_any(data)


cell = st.one_of(
    st.text(alphabet="0123456789.,-e +\"';\t", max_size=8),
    # what lab spreadsheets write around numbers (units, spreads, bounds, marks, errors)
    st.lists(st.sampled_from(["1", "2.5", "1,000", " ", "°C", "mL", "%", "±", "~", "<", "-",
                              "ca.", "#N/A", "#DIV/0!", "RT", "(nm)", "a)", "h"]),
             max_size=4).map("".join),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=6),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=1, max_size=6), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]))
def test_table_like_text(rows, delimiter, newline):
    text = newline.join(delimiter.join(r) for r in rows)
    read_any(text.encode("utf-8"))

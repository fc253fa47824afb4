"""US quarterly macro data (statsmodels' `macrodata`, 1959Q2-2009Q3): the embedded default.

It ships inside statsmodels, so it works offline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Units of the columns of :func:`macro_data`.
MACRO_UNITS = {
    "infl": "% per year, annualised quarterly CPI inflation (400 * diff log CPI)",
    "realgdp_growth": "% per year, annualised quarterly growth of real GDP",
    "unemp": "% of the labour force",
    "tbilrate": "% per year, 3-month Treasury bill (secondary market)",
    "realint": "% per year, real interest rate (tbilrate - infl)",
}


def macro_data() -> pd.DataFrame:
    """US CPI inflation with companion series, quarterly, 1959Q2-2009Q3 (202 rows).

    Returns:
        DataFrame indexed by a quarterly ``DatetimeIndex`` (quarter starts, ``freq='QS-OCT'``)
        named ``date``, with columns ``infl`` (the target), ``realgdp_growth``, ``unemp``,
        ``tbilrate`` and ``realint``; units are in ``frame.attrs["units"]``. The source's first
        quarter (1959Q1) is dropped: its inflation and growth are undefined (the source
        stores 0.0 there), so no value is made up.

    Example:
        >>> frame = macro_data()
        >>> frame["infl"].loc["2008"].round(2).tolist()
        [2.82, 8.53, -3.16, -8.79]
    """
    from statsmodels.datasets import macrodata

    raw = macrodata.load_pandas().data
    index = pd.PeriodIndex.from_fields(
        year=raw["year"].astype(int), quarter=raw["quarter"].astype(int), freq="Q"
    ).to_timestamp(how="start")
    growth = 400.0 * np.log(raw["realgdp"]).diff()
    frame = pd.DataFrame(
        {
            "infl": raw["infl"].to_numpy(float),
            "realgdp_growth": growth.to_numpy(float),
            "unemp": raw["unemp"].to_numpy(float),
            "tbilrate": raw["tbilrate"].to_numpy(float),
            "realint": raw["realint"].to_numpy(float),
        },
        index=pd.DatetimeIndex(index, name="date", freq="QS-OCT"),
    )
    frame = frame.iloc[1:]
    frame.index.freq = "QS-OCT"
    frame.attrs["units"] = dict(MACRO_UNITS)
    frame.attrs["source"] = "statsmodels.datasets.macrodata (US BEA, BLS, FRB)"
    return frame

"""How fast hostile uploads are refused: `python bench/excel_safety_bench.py [--repeat 5]`.

The tests check what a refusal does (the right message, nothing inflated, bounded memory);
this prints how long it takes, beside the goal for each file:

  sheet bomb     a valid .xlsx whose sheet inflates to 300 MB (inspect_xlsx)      goal 2 s
  forged bomb    the same with the sheet's declared size forged to 1,000 bytes    goal 2 s
  evidence bomb  a .docx whose body inflates to 30 MB of zeros (check_evidence)   goal 0.5 s

Each file is built in memory first (untimed), then refused `--repeat` times; the best and the
worst wall time are printed, and the peak memory Python allocated during one more, traced, run.
Exits with status 1 when a worst time is over its goal. Needs no database and no Django.
"""

import argparse
import io
import struct
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.excel.safety import UnsafeWorkbook, inspect_xlsx  # noqa: E402
from tracker.uploads import RejectedFile, check_evidence  # noqa: E402

SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_bomb(megabytes: int = 300) -> bytes:
    """A genuine xlsxwriter workbook whose only sheet is `megabytes` MB of one repeated row."""
    base = io.BytesIO()
    book = xlsxwriter.Workbook(base)
    book.add_worksheet("任务").write("A1", 1)
    book.close()
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    chunk = row * (1024 * 1024 // len(row))
    out = io.BytesIO()
    with zipfile.ZipFile(base) as genuine, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in genuine.namelist():
            if name != SHEET:
                zf.writestr(name, genuine.read(name))
        with zf.open(SHEET, "w") as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode())
            for _ in range(megabytes):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def forge_size(data: bytes, member: str, size: int) -> bytes:
    """The same archive with `member`'s uncompressed size set to `size` in both its headers."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        local = zf.getinfo(member).header_offset
    patched = bytearray(data)
    struct.pack_into("<L", patched, local + 22, size)
    pos = patched.find(b"PK\x01\x02")
    while pos >= 0:
        (name_len,) = struct.unpack_from("<H", patched, pos + 28)
        if patched[pos + 46 : pos + 46 + name_len] == member.encode():
            struct.pack_into("<L", patched, pos + 24, size)
        pos = patched.find(b"PK\x01\x02", pos + 4)
    return bytes(patched)


def evidence_bomb(megabytes: int = 30) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\x00" * (megabytes * 1024 * 1024))
    return out.getvalue()


def refuse_workbook(data: bytes) -> str:
    try:
        inspect_xlsx(io.BytesIO(data))
    except UnsafeWorkbook as exc:
        return str(exc)
    raise AssertionError("the workbook was accepted")


def refuse_evidence(data: bytes) -> str:
    try:
        check_evidence(io.BytesIO(data), "方案.docx", len(data))
    except RejectedFile as exc:
        return str(exc)
    raise AssertionError("the evidence file was accepted")


def measure(refuse, data: bytes, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        message = refuse(data)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    try:
        refuse(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"message": message, "best": min(times), "worst": max(times), "peak": peak}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    bomb = sheet_bomb()
    cases = [
        ("sheet bomb (300 MB)", refuse_workbook, bomb, 2.0),
        (
            "forged bomb (300 MB, declared 1 KB)",
            refuse_workbook,
            forge_size(bomb, SHEET, 1000),
            2.0,
        ),
        ("evidence bomb (30 MB .docx)", refuse_evidence, evidence_bomb(), 0.5),
    ]
    print(
        f"{'file':<38}{'size KB':>8}{'best ms':>9}{'worst ms':>9}{'goal ms':>9}{'peak KB':>9}  refusal"
    )
    over = False
    for name, refuse, data, goal in cases:
        result = measure(refuse, data, args.repeat)
        flag = "" if result["worst"] <= goal else "  OVER THE GOAL"
        over = over or bool(flag)
        print(
            f"{name:<38}{len(data) / 1024:>8.0f}{result['best'] * 1000:>9.2f}"
            f"{result['worst'] * 1000:>9.2f}{goal * 1000:>9.0f}{result['peak'] / 1024:>9.0f}"
            f"  {result['message']}{flag}"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

"""Write examples/lcb/problems.jsonl: a 12-problem LiveCodeBench-format suite for `dcode eval lcb`.

Why this exists: the real LiveCodeBench data set is large and has to be downloaded, so it cannot
back an offline demo or an end-to-end run of the eval. This file has the same code-generation
format (same keys, string-encoded test lists, about half of the private tests in LCB's
base64/zlib/pickle encoding). The statements are paraphrased in our own words from well-known
public problems (LeetCode, AtCoder, Codeforces classics); the examples and tests were written
here, and every expected output is computed by the reference solution below, never typed.

    python3 examples/lcb/make_problems.py           # write problems.jsonl, then verify it
    python3 examples/lcb/make_problems.py --check   # only verify the existing file

Stdlib only (Python 3.11); the random tests use a fixed seed, so the output is reproducible.
"""
import base64
import bisect
import itertools
import json
import math
import pickle
import random
import sys
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

OUT = Path(__file__).resolve().parent / "problems.jsonl"
KEYS = ["question_title", "question_content", "platform", "question_id", "contest_id", "contest_date",
        "starter_code", "difficulty", "public_test_cases", "private_test_cases", "metadata"]


# ---------------------------------------------------------------- reference solutions
class Ref:
    """Functional reference solutions, called exactly as the grader calls Solution()."""

    def twoSum(self, nums, target):
        seen = {}
        for j, x in enumerate(nums):
            if target - x in seen:
                return [seen[target - x], j]
            seen.setdefault(x, j)

    def isValid(self, s):
        pairs, stack = {")": "(", "]": "[", "}": "{"}, []
        for c in s:
            if c in pairs:
                if not stack or stack.pop() != pairs[c]:
                    return False
            else:
                stack.append(c)
        return not stack

    def climbStairs(self, n):
        a, b = 1, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    def lengthOfLongestSubstring(self, s):
        last, start, best = {}, 0, 0
        for i, c in enumerate(s):
            if last.get(c, -1) >= start:
                start = last[c] + 1
            last[c] = i
            best = max(best, i - start + 1)
        return best

    def merge(self, intervals):
        out = []
        for a, b in sorted(intervals):
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        return out

    def numIslands(self, grid):
        land = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == "1"}
        count = 0
        while land:
            count += 1
            stack = [land.pop()]
            while stack:
                y, x = stack.pop()
                for cell in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if cell in land:
                        land.remove(cell)
                        stack.append(cell)
        return count


def ints(inp):
    return list(map(int, inp.split()))


def sum_list(inp):
    return str(sum(ints(inp)[1:]))


def palindrome(inp):
    return "Yes" if inp.strip() == inp.strip()[::-1] else "No"


def frog(inp):
    h = ints(inp)[1:]
    a, b = 0, abs(h[1] - h[0])  # cheapest cost to reach the previous two stones
    for i in range(2, len(h)):
        a, b = b, min(b + abs(h[i] - h[i - 1]), a + abs(h[i] - h[i - 2]))
    return str(b)


def range_sums(inp):
    t = ints(inp)
    pre, qs = [0, *itertools.accumulate(t[2:2 + t[0]])], t[2 + t[0]:]
    return "\n".join(str(pre[qs[2 * k + 1]] - pre[qs[2 * k] - 1]) for k in range(t[1]))


def farthest(inp):
    t = ints(inp)
    pts = list(zip(t[1::2], t[2::2]))[:t[0]]
    best = max((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for a in pts for b in pts)
    assert abs((math.sqrt(best) * 1e6) % 1 - 0.5) > 1e-4, f"sqrt({best}) is too near a rounding tie"
    return f"{math.sqrt(best):.6f}"


def inversions(inp):
    t, seen, inv = ints(inp), [], 0
    for x in t[1:1 + t[0]]:
        inv += len(seen) - bisect.bisect_right(seen, x)
        bisect.insort(seen, x)
    return str(inv)


# ---------------------------------------------------------------- test inputs (private)
R = random.Random(20240501)


def rnd_two_sum():
    while True:
        nums = [R.randint(-50, 50) for _ in range(R.randint(2, 12))]
        i, j = sorted(R.sample(range(len(nums)), 2))
        t = nums[i] + nums[j]
        if sum(x + y == t for a, x in enumerate(nums) for y in nums[a + 1:]) == 1:
            return [nums, t]


def seq(n, lo, hi):
    return " ".join(str(R.randint(lo, hi)) for _ in range(n))


def rnd_grid(h, w):
    return [["1" if R.random() < 0.45 else "0" for _ in range(w)] for _ in range(h)]


def rnd_ranges():
    qs = [sorted((R.randint(1, 40), R.randint(1, 40))) for _ in range(15)]
    return f"40 15\n{seq(40, 0, 10**9)}\n" + "".join(f"{a} {b}\n" for a, b in qs)


def rnd_points(n, lim):
    return f"{n}\n" + "".join(f"{R.randint(-lim, lim)} {R.randint(-lim, lim)}\n" for _ in range(n))


# ---------------------------------------------------------------- the problems
def fn(qid, title, date, diff, pickled, sig, params, text, examples, private):
    return dict(locals(), kind="functional", platform="leetcode")


def sd(qid, platform, title, date, diff, pickled, ref, sections, examples, private):
    story, fmt, output, constraints = sections
    if platform == "atcoder":
        fmt = "The input is given from Standard Input in the following format:\n" + fmt
        constraints += "\nAll input values are integers." if "string" not in story else ""
    text = f"{story}\n\nInput\n\n{fmt}\n\nOutput\n\n{output}"
    text += f"\n\nConstraints\n\n{constraints}" if constraints else ""
    return dict(locals(), kind="stdin")


PROBLEMS = [
    fn("lc-two-sum", "Two Sum (unique pair)", "2023-05-06", "easy", False,
       "def twoSum(self, nums: List[int], target: int) -> List[int]:", ["nums", "target"],
       "You are given an integer array nums and an integer target. Exactly one pair of distinct positions "
       "i < j satisfies nums[i] + nums[j] == target. Return that pair of indices as the list [i, j], "
       "smaller index first.\n\nConstraints:\n2 <= nums.length <= 10^4\n-10^9 <= nums[i], target <= 10^9\n"
       "Exactly one valid pair exists.",
       [([[4, 9, 1, 6], 7], [2, 3]), ([[5, 5, 2], 10], [0, 1])],
       [[[3, 3], 6], [[-1, -2, -3, -4, -5], -8], [[0, 4, 3, 0], 0], [[1, 2], 3],
        [[10**9, -10**9, 5], 0]] + [rnd_two_sum() for _ in range(3)]),
    sd("abc-sum-of-list", "atcoder", "Add Them Up", "2023-06-17", "easy", False, sum_list,
       ("You are given N integers A_1, ..., A_N. Print their sum.", "N\nA_1 A_2 ... A_N",
        "Print the sum as an integer.", "1 <= N <= 100\n-10^9 <= A_i <= 10^9"),
       [("3\n1 2 3\n", "6"), ("4\n-5 10 0 2\n", "7")],
       ["1\n0\n", "1\n-1000000000\n", "5\n" + " ".join(["1000000000"] * 5) + "\n",
        "4\n-1 1 -1 1\n", "3\n7 7 7\n", f"20\n{seq(20, -10**9, 10**9)}\n",
        f"100\n{seq(100, -1000, 1000)}\n"]),
    fn("lc-valid-parentheses", "Balanced Brackets", "2023-08-05", "easy", True,
       "def isValid(self, s: str) -> bool:", ["s"],
       "A string s contains only the characters '(', ')', '[', ']', '{' and '}'. Decide whether it is "
       "balanced: every opening bracket is closed by a bracket of the same type, brackets close in the "
       "reverse order they were opened, and every closing bracket has a matching opening one. Return true "
       "if s is balanced, false otherwise.\n\nConstraints:\n1 <= s.length <= 10^4\ns consists only of the "
       "characters '()[]{}'.",
       [(["{[]}()"], True), (["([)]"], False)],
       [["]"], ["("], ["()"], ["(((((((((("], ["()()()"], ["(((])))"], ["[({})]("],
        ["{{[[(())]]}}"], ["}{"]]),
    sd("abc-palindrome-check", "atcoder", "Mirror Word", "2023-09-16", "easy", True, palindrome,
       ("You are given a string S of lowercase English letters. If S reads the same forwards and "
        "backwards, print Yes; otherwise print No.", "S", "Print Yes or No.",
        "S is a string of length between 1 and 100 (inclusive) consisting of lowercase English letters."),
       [("level\n", "Yes"), ("atcoder\n", "No")],
       ["a\n", "ab\n", "aa\n", "abcba\n", "abccba\n", "abcdba\n", "z" * 100 + "\n", "xyzzyy\n"]),
    fn("lc-climbing-stairs", "Counting Stair Climbs", "2023-10-28", "easy", False,
       "def climbStairs(self, n: int) -> int:", ["n"],
       "A staircase has n steps. Each move climbs either 1 or 2 steps. Return the number of different "
       "sequences of moves that take you from the bottom to exactly the top.\n\nConstraints:\n1 <= n <= 45",
       [([2], 2), ([4], 5)], [[1], [3], [5], [10], [20], [30], [45]]),
    sd("abc-frog-jumps", "atcoder", "Hopping Frog", "2023-12-09", "medium", False, frog,
       ("There are N stones in a row, numbered 1 to N; stone i has height h_i. A frog starts on stone 1. "
        "From stone i it may jump to stone i+1 or to stone i+2 (if that stone exists), paying |h_i - h_j| "
        "for a jump to stone j. Find the minimum total cost for the frog to reach stone N.",
        "N\nh_1 h_2 ... h_N", "Print the minimum total cost.", "2 <= N <= 10^5\n1 <= h_i <= 10^4"),
       [("5\n10 40 20 50 30\n", "20"), ("2\n7 7\n", "0")],
       ["2\n1 10000\n", "3\n1 100 1\n", "5\n1 2 3 4 5\n", "6\n30 10 60 10 60 50\n",
        "4\n5 5 5 5\n", f"30\n{seq(30, 1, 10**4)}\n", f"200\n{seq(200, 1, 100)}\n"]),
    fn("lc-longest-substring-no-repeat", "Longest Run of Distinct Characters", "2024-01-20",
       "medium", True, "def lengthOfLongestSubstring(self, s: str) -> int:", ["s"],
       "Given a string s, return the length of the longest contiguous substring of s in which no character "
       "appears twice.\n\nConstraints:\n0 <= s.length <= 5 * 10^4\ns consists of English letters, digits, "
       "symbols and spaces.",
       [(["xyzxwv"], 5), (["qqqq"], 1)],
       [[""], [" "], ["kaakbc"], ["dvdx"], ["abba"], ["au"], ["a b!c a"],
        ["".join(R.choice("abcdef") for _ in range(200))], ["abcdefghijklmnopqrstuvwxyz" * 3]]),
    sd("cf-range-sum-queries", "codeforces", "Segment Sums", "2024-03-09", "medium", True,
       range_sums,
       ("You are given an array a_1, ..., a_n and q queries. Each query gives two indices l and r (1 <= l "
        "<= r <= n); answer it with a_l + a_{l+1} + ... + a_r.",
        "The first line contains two integers n and q (1 <= n, q <= 2 * 10^5). The second line contains n "
        "integers a_1, ..., a_n (0 <= a_i <= 10^9). Each of the next q lines contains two integers l and r.",
        "Print q lines; the i-th line is the answer to the i-th query.", ""),
       [("5 3\n1 2 3 4 5\n1 5\n2 4\n3 3\n", "15\n9\n3"), ("1 1\n8\n1 1\n", "8")],
       ["1 2\n0\n1 1\n1 1\n", "3 3\n1000000000 1000000000 1000000000\n1 3\n1 1\n2 3\n",
        "4 4\n5 0 0 5\n2 3\n1 4\n4 4\n1 1\n", "6 1\n3 1 4 1 5 9\n1 6\n", rnd_ranges(),
        rnd_ranges()]),
    fn("lc-merge-intervals", "Merge Overlapping Intervals", "2024-04-27", "medium", False,
       "def merge(self, intervals: List[List[int]]) -> List[List[int]]:", ["intervals"],
       "You are given a list of closed intervals, intervals[i] = [start_i, end_i]. Merge every group of "
       "intervals that overlap (intervals that share an endpoint, such as [1,4] and [4,5], count as "
       "overlapping) and return the resulting disjoint intervals as a list of [start, end] pairs sorted by "
       "start in increasing order.\n\nConstraints:\n1 <= intervals.length <= 10^4\nintervals[i].length == "
       "2\n0 <= start_i <= end_i <= 10^4",
       [([[[2, 5], [9, 12], [1, 3], [20, 21]]], [[1, 5], [9, 12], [20, 21]]),
        ([[[6, 7], [1, 4], [4, 5]]], [[1, 5], [6, 7]])],
       [[[[1, 4]]], [[[1, 4], [0, 4]]], [[[1, 4], [2, 3]]], [[[5, 6], [1, 2], [3, 4]]],
        [[[0, 0], [0, 0]]], [[[2, 3], [4, 5], [6, 7], [8, 9], [1, 10]]],
        [[[a, a + R.randint(0, 8)] for a in R.sample(range(100), 15)]]]),
    sd("abc-farthest-points", "atcoder", "Farthest Pair", "2024-06-15", "medium", False,
       farthest,
       ("There are N points on a plane; point i is at integer coordinates (x_i, y_i). Points may coincide. "
        "Find the largest Euclidean distance between two of the points.",
        "N\nx_1 y_1\n...\nx_N y_N",
        "Print the largest distance rounded to exactly 6 digits after the decimal point.",
        "2 <= N <= 100\n-1000 <= x_i, y_i <= 1000"),
       [("3\n0 0\n3 4\n1 1\n", "5.000000"), ("2\n1 1\n2 2\n", "1.414214")],
       ["2\n5 5\n5 5\n", "2\n-1000 -1000\n1000 1000\n", "4\n0 0\n0 1\n1 0\n1 1\n",
        "3\n-3 0\n0 7\n2 -2\n", rnd_points(10, 50), rnd_points(100, 1000)]),
    fn("lc-number-of-islands", "Counting Islands", "2024-08-31", "medium", True,
       "def numIslands(self, grid: List[List[str]]) -> int:", ["grid"],
       "You are given an m x n grid whose cells are \"1\" (land) or \"0\" (water). An island is a maximal "
       "group of land cells connected horizontally or vertically (not diagonally). Everything outside the "
       "grid is water. Return the number of islands.\n\nConstraints:\n1 <= m, n <= 300\ngrid[i][j] is "
       "\"0\" or \"1\".",
       [([[list("11001"), list("10001"), list("00100"), list("01100")]], 3),
        ([[list("111"), list("010"), list("111")]], 1)],
       [[[["0"]]], [[["1"]]], [[list("1111")] * 3], [[list("1010"), list("0101")] * 2],
        [[list("10101")]], [[["1"], ["0"], ["1"], ["1"]]], [rnd_grid(8, 8)], [rnd_grid(12, 15)]]),
    sd("cf-count-inversions", "codeforces", "Out-of-Order Pairs", "2024-11-16", "hard", True,
       inversions,
       ("You are given a sequence a_1, ..., a_n. Count the pairs of indices (i, j) with i < j and a_i > "
        "a_j.", "The first line contains one integer n (1 <= n <= 2 * 10^5). The "
        "second line contains n integers a_1, ..., a_n (1 <= a_i <= 10^9).",
        "Print the number of such pairs. Note that it may not fit in a 32-bit integer.", ""),
       [("5\n3 1 4 1 5\n", "3"), ("3\n1 2 3\n", "0")],
       ["1\n7\n", "2\n2 1\n", "10\n10 9 8 7 6 5 4 3 2 1\n", "6\n4 4 4 4 4 4\n",
        "5\n1000000000 1 1000000000 1 1000000000\n", f"200\n{seq(200, 1, 20)}\n",
        f"300\n{seq(300, 1, 10**9)}\n"]),
]


# ---------------------------------------------------------------- building the records
def j(v):
    return json.dumps(v, separators=(",", ":"))


def run_functional(func_name, inp):
    res = getattr(Ref(), func_name)(*[json.loads(line) for line in inp.split("\n")])
    return list(res) if isinstance(res, tuple) else res


def functional_case(func_name, args):
    inp = "\n".join(j(a) for a in args)
    return {"input": inp, "output": j(run_functional(func_name, inp)), "testtype": "functional"}


def statement(p):
    parts = [p["text"], ""]
    for k, (inp, out) in enumerate(p["examples"], 1):
        if p["kind"] == "functional":
            shown = ", ".join(f"{n} = {j(v)}" for n, v in zip(p["params"], inp))
            parts += [f"Example {k}:", f"Input: {shown}", f"Output: {j(out).lower()}", ""]
        else:
            parts += [f"Sample Input {k}", "", inp.rstrip("\n"), "", f"Sample Output {k}", "", out, ""]
    return "\n".join(parts).rstrip() + "\n"


def build(p):
    if p["kind"] == "functional":
        func_name = p["sig"].split("(")[0].split()[-1]
        case = lambda args: functional_case(func_name, args)  # noqa: E731
        starter, meta = f"class Solution:\n    {p['sig']}\n        ", {"func_name": func_name}
    else:
        case = lambda inp: {"input": inp, "output": p["ref"](inp), "testtype": "stdin"}  # noqa: E731
        starter, meta = "", {}
    public = [case(inp) for inp, _ in p["examples"]]
    for got, (_, want) in zip(public, p["examples"]):  # the statement's examples are right
        assert got["output"] == (j(want) if p["kind"] == "functional" else want), (got, want)
    private = json.dumps([case(inp) for inp in p["private"]])
    if p["pickled"]:  # LCB pickles the JSON *string*, then zlib-compresses and base64-encodes it
        private = base64.b64encode(zlib.compress(pickle.dumps(private))).decode()
    return {"question_title": p["title"], "question_content": statement(p), "platform": p["platform"],
            "question_id": p["qid"], "contest_id": f"dcode-sample-{p['date'][:7]}",
            "contest_date": p["date"] + "T00:00:00", "starter_code": starter, "difficulty": p["diff"],
            "public_test_cases": json.dumps(public), "private_test_cases": private,
            "metadata": json.dumps(meta)}


# ---------------------------------------------------------------- verification
def decode_private(s):
    try:
        return json.loads(s), False
    except json.JSONDecodeError:
        return json.loads(pickle.loads(zlib.decompress(base64.b64decode(s.encode())))), True


def same_line(a, b):
    try:
        return a == b or Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def same_stdout(got, want):  # as the grader compares: line by line, stripped, or as Decimals
    g = [line.strip() for line in got.strip().splitlines()]
    w = [line.strip() for line in want.strip().splitlines()]
    return len(g) == len(w) and all(same_line(a, b) for a, b in zip(g, w))


def check(path):
    refs, seen, report = {p["qid"]: p for p in PROBLEMS}, set(), []
    lines = path.read_text().splitlines()
    assert len(lines) == len(PROBLEMS), len(lines)
    for line in lines:
        rec = json.loads(line)
        assert list(rec) == KEYS and all(isinstance(rec[k], str) for k in KEYS), list(rec)
        qid, functional = rec["question_id"], rec["platform"] == "leetcode"
        assert qid not in seen and rec["platform"] in ("leetcode", "atcoder", "codeforces"), qid
        seen.add(qid)
        public, meta = json.loads(rec["public_test_cases"]), json.loads(rec["metadata"])
        private, pickled = decode_private(rec["private_test_cases"])
        assert "2023-05-01" <= rec["contest_date"] <= "2024-12-01T00:00:00"
        assert rec["difficulty"] in ("easy", "medium", "hard"), qid
        assert len(public) == 2 and 5 <= len(private) <= 10, qid
        if functional:
            assert rec["starter_code"].startswith("class Solution:\n    def "), qid
            assert rec["starter_code"].endswith(":\n        ") and list(meta) == ["func_name"]
        else:
            assert meta == {} and rec["starter_code"] == "", qid
        for t in public + private:
            assert set(t) == {"input", "output", "testtype"}, (qid, t)
            assert t["testtype"] == ("functional" if functional else "stdin"), (qid, t)
            if functional:
                got = run_functional(meta["func_name"], t["input"])
                assert got == json.loads(t["output"]), (qid, t, got)
            else:
                assert same_stdout(refs[qid]["ref"](t["input"]), t["output"]), (qid, t)
                if t in public:  # stdin statements show the public examples verbatim
                    assert t["input"].rstrip("\n") in rec["question_content"], qid
        report.append(f"{qid:32} {'functional' if functional else 'stdin':10} {rec['difficulty']:6} "
                      f"public={len(public)} private={len(private)}{' (pickled)' if pickled else ''}")
    print("\n".join(report))
    print(f"ok: {path} ({len(lines)} problems) verified against the reference solutions")


if __name__ == "__main__":
    if "--check" not in sys.argv[1:]:
        OUT.write_text("".join(json.dumps(build(p)) + "\n" for p in PROBLEMS))
    check(OUT)

"""The one aggregation of run rows: a group's runs summed up as every table, summary and report shows them.

`rows.aggregate` (the summary rows of `--json`, per setting, in the order the
settings first appear) and `results_summary` (a report of results files, per
group of `--by`, gathered by several processes and merged) both fill `Group`s
and read `Group.summary`.
"""

import statistics
from dataclasses import dataclass, field

from lstm_echo import seeds


def seeds_label(seed_list: list[int]) -> str:
    """`0-19` for consecutive seeds, `7` for one, else the list: as `--seeds` takes them back."""
    if len(seed_list) > 2 and seed_list == list(range(seed_list[0], seed_list[0] + len(seed_list))):
        return f"{seed_list[0]}-{seed_list[-1]}"
    return ",".join(map(str, seed_list))


DESCRIBED = ("architecture", "task", "epochs")  # named in a report picture's title


@dataclass
class Group:
    """What one group's summary needs, gathered run by run."""

    runs: int = 0
    learned: list[bool] = field(default_factory=list)
    losses: list[float | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    params: set[int] = field(default_factory=set)
    test_echo_rates: list[float] = field(default_factory=list)
    test_mses: list[float] = field(default_factory=list)
    described: dict[str, set] = field(default_factory=lambda: {name: set() for name in DESCRIBED})

    def add(self, row: dict) -> None:
        self.runs += 1
        for name, values in self.described.items():
            values.add(row[name])
        self.learned.append(row["learned"])
        self.losses.append(row["final_loss"])
        if row["seconds"] is not None:
            self.seconds.append(row["seconds"])
        self.seeds.append(row["seed"])
        self.params.add(row["params"])
        test = row["test"]
        if test is not None:
            if test["echo_rate"] is not None:
                self.test_echo_rates.append(test["echo_rate"])
            if test["mse"] is not None:
                self.test_mses.append(test["mse"])

    def extend(self, other: "Group") -> None:
        """Add the runs another process gathered for the same group."""
        self.runs += other.runs
        self.learned += other.learned
        self.losses += other.losses
        self.seconds += other.seconds
        self.seeds += other.seeds
        self.params |= other.params
        self.test_echo_rates += other.test_echo_rates
        self.test_mses += other.test_mses
        for name, values in self.described.items():
            values |= other.described[name]

    def summary(self) -> dict:
        s = seeds.summarize(self.learned, self.losses)
        return {
            "seeds": seeds_label(sorted(set(self.seeds))),
            "params": next(iter(self.params)) if len(self.params) == 1 else None,
            "runs": s.runs,
            "runs_learned": s.learned,
            "learned_rate": s.learned_rate,
            "diverged": s.diverged,
            "median_final_loss": s.median_final_loss,
            "worst_final_loss": s.worst_final_loss,
            "median_test_echo_rate": statistics.median(self.test_echo_rates) if self.test_echo_rates else None,
            "median_test_mse": statistics.median(self.test_mses) if self.test_mses else None,
            "median_seconds": statistics.median(self.seconds) if self.seconds else None,
        }


def summaries(rows: list[dict], by: tuple[str, ...]) -> list[dict]:
    """One summary per group of the settings `by`, in the order the groups first appear."""
    groups: dict[tuple, Group] = {}
    for row in rows:
        groups.setdefault(tuple(row[name] for name in by), Group()).add(row)
    return [{**dict(zip(by, values)), **group.summary()} for values, group in groups.items()]

"""The fan-out benchmark (bench/run.py is its command line), one module per part:

- `configs`: what is measured (the four configurations, one run's spec);
- `processes`: every child process and port the benchmark takes, and gives back;
- `machine`: the CPUs (layout, pinning), what the processes and the machine use;
- `servers`: the platform's and the bare servers, started and stopped;
- `room`: the benchmark's session, over the real protocol (facilitator, participants);
- `backends`: the template database per platform backend and its copies, Redis;
- `generators`: the load-generator processes (bench/loadgen.py) and their clients;
- `profilers`: py-spy on the servers during the measured window (--profile);
- `measure`: one row, from starting its servers to its figures, and its retries;
- `figures`: percentiles, and whether a row's figures can be trusted;
- `plan`: which rows run in which order, and the hold search;
- `report`: summary of rounds, holds, the table, the targets, the JSON results;
- `cli`: the options and the run as a whole.
"""

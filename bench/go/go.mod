module fxa-gate/bench/go

go 1.22

# Draws scripts/bench --curve's latency-throughput curve: p50 and p99 of the
# open-loop runs against the rate offered (past saturation the rate reached
# falls behind it, and the latency only grows), coalescing on and off,
# uniform and hot. Lines of the data files (`on`, `off`):
#   phase fraction-of-peak offered-per-s achieved-per-s p50-ms p99-ms
#
#   gnuplot -e "on='curve-on.dat'; off='curve-off.dat'; output='out.svg'" latency_curve.gnuplot
set terminal svg size 900,560 dynamic font "sans,13" background rgb "white"
set output output
set title "Latency against throughput, open loop (2 cores, everything on one machine)"
set xlabel "orders/s offered (open loop)"
set ylabel "latency, ms (log scale)"
set logscale y
set grid xtics ytics mytics
set key bottom right box opaque
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.7
set style line 2 lc rgb "#ff7f0e" lw 2 pt 5 ps 0.7
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 0.8
set style line 4 lc rgb "#d62728" lw 2 pt 11 ps 0.8
rows(file, phase) = sprintf("< grep '^%s ' '%s'", phase, file)
plot rows(on, "uniform")  using 3:6 with linespoints ls 1 title "uniform p99, coalescing on", \
     rows(on, "uniform")  using 3:5 with linespoints ls 1 dt 2 title "uniform p50, on", \
     rows(on, "hot")      using 3:6 with linespoints ls 2 title "hot p99, on", \
     rows(on, "hot")      using 3:5 with linespoints ls 2 dt 2 title "hot p50, on", \
     rows(off, "uniform") using 3:6 with linespoints ls 3 title "uniform p99, coalescing off", \
     rows(off, "uniform") using 3:5 with linespoints ls 3 dt 2 title "uniform p50, off", \
     rows(off, "hot")     using 3:6 with linespoints ls 4 title "hot p99, off", \
     rows(off, "hot")     using 3:5 with linespoints ls 4 dt 2 title "hot p50, off"

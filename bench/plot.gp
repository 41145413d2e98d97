# linelock bench plot: latency (INVITE to 200) and failed calls against the
# offered call rate, one line per system (median over the runs).
#   gnuplot -e "out='bench/out'; systems='sipp kam-qm kam-tlsf linelock'"
# out/calls-<system>.dat: rate p50 p99 failed_pct mean (see report.py).
set terminal pngcairo size 1000,800 noenhanced font ",10"
set output out.'/calls.png'
set datafile missing '-'
set multiplot layout 2,1 title 'linelock bench: phone -> SUT -> PBX, UDP loopback, median of runs'
set grid
set key top left
set xlabel 'offered call rate (calls/s)'
set ylabel 'INVITE to 200 (ms, log)'
set logscale y
set yrange [0.05:*]
# SIPp's clock has 4 ms steps: a p99 of 0 ms is drawn at 0.05 ms.
fix(v) = v < 0.05 ? 0.05 : v
dat(s) = out.'/calls-'.s.'.dat'
n = words(systems)
plot for [i=1:n] dat(word(systems,i)) using 1:(fix($3)) \
	with linespoints lw 2 pt 7 lc i title word(systems,i).' p99', \
     for [i=1:n] dat(word(systems,i)) using 1:(fix($5)) \
	with linespoints dt 2 pt 6 lc i title word(systems,i).' mean'
unset logscale y
set yrange [0:*]
set ylabel 'failed or unfinished calls (%)'
plot for [i=1:n] dat(word(systems,i)) using 1:4 \
	with linespoints lw 2 pt 7 lc i title word(systems,i)
unset multiplot

from simulator.start import main

main()

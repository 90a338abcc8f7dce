/** Word lists the sample generator combines into a plausible shop catalogue. */
export interface CategorySpec {
  name: string;
  /** Share of the catalogue. */
  weight: number;
  /** Price range in USD. */
  price: [number, number];
  brands: readonly string[];
  qualifiers: readonly string[];
  items: readonly string[];
  tags: readonly string[];
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'electronics',
    weight: 14,
    price: [19, 1499],
    brands: ['Voltix', 'Nordwave', 'Kestrel', 'Lumio', 'Arcadia'],
    qualifiers: ['Wireless', 'Noise-Cancelling', 'Smart', '4K', 'Portable', 'Pro', 'Compact'],
    items: ['Headphones', 'Earbuds', 'Bluetooth Speaker', 'Monitor', 'Webcam', 'Tablet', 'Smartwatch', 'Power Bank', 'Keyboard', 'Mouse'],
    tags: ['wireless', 'bluetooth', 'usb-c', 'rechargeable', 'gift-idea', 'bestseller'],
  },
  {
    name: 'home',
    weight: 11,
    price: [9, 399],
    brands: ['Hearthly', 'Linden & Co', 'Casa Nova', 'Oakline'],
    qualifiers: ['Linen', 'Velvet', 'Scandinavian', 'Handwoven', 'Minimalist', 'Ceramic'],
    items: ['Throw Blanket', 'Cushion Cover', 'Table Lamp', 'Wall Clock', 'Vase', 'Rug', 'Curtain Set', 'Photo Frame'],
    tags: ['living-room', 'bedroom', 'decor', 'handmade', 'sustainable'],
  },
  {
    name: 'kitchen',
    weight: 10,
    price: [7, 649],
    brands: ['Copperleaf', 'ChefLine', 'Brava', 'Mortar & Mill'],
    qualifiers: ['Cast-Iron', 'Stainless', 'Non-Stick', 'Bamboo', 'Glass', 'Espresso'],
    items: ['Skillet', 'Saucepan', 'Knife Set', 'Cutting Board', 'Coffee Grinder', 'Kettle', 'Stand Mixer', 'Storage Jars'],
    tags: ['cookware', 'dishwasher-safe', 'induction', 'barista', 'bestseller'],
  },
  {
    name: 'fashion',
    weight: 13,
    price: [12, 289],
    brands: ['Marlowe', 'Tidewater', 'Ashby', 'Kinfolk Supply'],
    qualifiers: ['Organic Cotton', 'Merino', 'Slim-Fit', 'Oversized', 'Waterproof', 'Vintage'],
    items: ['T-Shirt', 'Hoodie', 'Denim Jacket', 'Chinos', 'Sneakers', 'Rain Coat', 'Scarf', 'Backpack'],
    tags: ['apparel', 'unisex', 'organic', 'new-season', 'sale'],
  },
  {
    name: 'sports',
    weight: 9,
    price: [9, 899],
    brands: ['Summit', 'Stride', 'Polar Peak', 'Velo'],
    qualifiers: ['Ultralight', 'Carbon', 'Trail', 'Insulated', 'Adjustable'],
    items: ['Yoga Mat', 'Running Shoes', 'Dumbbell Set', 'Tent', 'Water Bottle', 'Bike Helmet', 'Trekking Poles', 'Sleeping Bag'],
    tags: ['outdoor', 'fitness', 'camping', 'cycling', 'running'],
  },
  {
    name: 'books',
    weight: 8,
    price: [6, 59],
    brands: ['Quarto Press', 'Northlight', 'Inkwell'],
    qualifiers: ['Illustrated', 'Hardcover', 'Paperback', 'Collected', 'Annotated'],
    items: ['Cookbook', 'Atlas', 'Mystery Novel', 'Field Guide', 'Poetry Anthology', 'Travel Guide', 'History of Jazz'],
    tags: ['reading', 'gift-idea', 'bestseller', 'hardcover'],
  },
  {
    name: 'beauty',
    weight: 9,
    price: [5, 149],
    brands: ['Aurelle', 'Botanica', 'Dew & Daisy'],
    qualifiers: ['Hydrating', 'Vitamin C', 'Fragrance-Free', 'Mineral', 'Overnight'],
    items: ['Face Serum', 'Moisturiser', 'Sunscreen SPF 50', 'Lip Balm', 'Shampoo', 'Body Lotion', 'Clay Mask'],
    tags: ['skincare', 'vegan', 'cruelty-free', 'sensitive-skin'],
  },
  {
    name: 'toys',
    weight: 8,
    price: [6, 249],
    brands: ['Tinkertown', 'Bright Bricks', 'Puzzlewood'],
    qualifiers: ['Wooden', 'Magnetic', 'Educational', 'Glow-in-the-Dark', 'Plush'],
    items: ['Building Set', 'Puzzle', 'Train Set', 'Board Game', 'Kite', 'Robot Kit', 'Teddy Bear'],
    tags: ['kids', 'stem', 'family', 'gift-idea', 'ages-3+'],
  },
  {
    name: 'garden',
    weight: 8,
    price: [4, 499],
    brands: ['Greenhaven', 'Fernwood', 'Terra'],
    qualifiers: ['Solar', 'Raised', 'Self-Watering', 'Galvanised', 'Heirloom'],
    items: ['Planter', 'Garden Hose', 'Pruning Shears', 'Seed Kit', 'String Lights', 'Compost Bin', 'Bird Feeder'],
    tags: ['outdoor', 'plants', 'balcony', 'eco'],
  },
  {
    name: 'grocery',
    weight: 10,
    price: [2, 79],
    brands: ['Harvest Lane', 'Old Mill', 'Sunfield', 'Blue Ridge'],
    qualifiers: ['Organic', 'Single-Origin', 'Cold-Pressed', 'Stone-Ground', 'Smoked'],
    items: ['Coffee Beans', 'Olive Oil', 'Green Tea', 'Dark Chocolate', 'Honey', 'Granola', 'Pasta', 'Sea Salt'],
    tags: ['organic', 'fair-trade', 'gluten-free', 'pantry'],
  },
];

/** Weighted to the main markets, with countries on every continent (a few researchers in Antarctica). */
export const COUNTRY_WEIGHTS: readonly (readonly [string, number])[] = [
  ['US', 22],
  ['DE', 11],
  ['GB', 10],
  ['FR', 8],
  ['JP', 7],
  ['BR', 6],
  ['IN', 6],
  ['AU', 5],
  ['CA', 3],
  ['MX', 2],
  ['ES', 2],
  ['IT', 2],
  ['NL', 2],
  ['PL', 1],
  ['SE', 1],
  ['CN', 2],
  ['KR', 1],
  ['SG', 1],
  ['ID', 1],
  ['ZA', 1],
  ['NG', 1],
  ['EG', 1],
  ['KE', 0.5],
  ['MA', 0.5],
  ['AR', 1],
  ['CL', 0.5],
  ['CO', 0.5],
  ['NZ', 1],
  ['AQ', 0.05],
];

export const SEGMENT_WEIGHTS: readonly (readonly [string, number])[] = [
  ['new', 25],
  ['regular', 55],
  ['vip', 8],
  ['wholesale', 12],
];
